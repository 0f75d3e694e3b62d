"""Words not yet said: the language-free values a verdict carries, and the one place they become
a sentence.

A Finding (checker.models) holds its reason code and arguments; an argument is a plain value (a
file's path, a number, a date), a checker.i18n.Message (a message id of rules/messages.yaml with its
own arguments), or one of the phrases below, which name something the rule files name (a category,
a paper type, a file type, a KYC requirement, a register status). Only a writer says them, through
`finding_text` / `say` with the reader's checker.i18n.Translator and the rules in use, so the same
verdict reads in English, Russian or Chinese and with a custom rules folder's own wording.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import i18n


@lru_cache(maxsize=1)
def builtin_rules() -> Any:
    """The built-in rules folder, loaded once: what a value is said with when no rules are given
    (a Finding's English `detail`, a ScanResult built by hand, the audit's index page)."""
    from .rules import load_rules

    return load_rules(None)


def say(value: Any, tr: "i18n.Translator | str", rules: Any = None) -> str:
    """`value` in `tr`'s language (a Translator, or a language code: the built-in messages) with
    `rules` (checker.rules.Rules; None: the built-in rules): see checker.i18n.render."""
    return i18n.render(value, i18n.translator(tr), rules if rules is not None else builtin_rules())


@dataclass(frozen=True)
class Reading:
    """A note or problem the reading stages wrote into a file's facts or a number (an i18n.Said of a
    read.* message, an i18n.SaidParts of several, or plain text: an exception's own words), said in
    the reader's language."""
    text: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The note as the reading stage wrote it, rendered (i18n.render)."""
        return i18n.render(self.text, tr, rules)


@dataclass(frozen=True)
class TypeName:
    """A file type by its MIME type: file_types.yaml's phrase, translated (type.<mime>)."""
    mime: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The type's phrase (i18n.type_name)."""
        return i18n.type_name(self.mime, rules, tr)


@dataclass(frozen=True)
class CategoryName:
    """A category of rules/categories.yaml by its key, named in the reader's language."""
    key: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The category's name in the reader's language; its key when the rules do not know it."""
        category = rules.categories.get(self.key)
        return category.name(tr.lang) if category is not None else self.key


@dataclass(frozen=True)
class PaperName:
    """What a paper is, for a sentence ("a test report"; document_types.yaml), `fallback` (the
    document type) when the rules do not know the paper; with `state` (BY, KZ…) a national one."""
    paper: str
    fallback: str = ""
    state: str = ""

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The paper's name (else `fallback`); with `state`, doctype.national around it."""
        paper = rules.document_types.papers.get(self.paper)
        name = paper.name(tr.lang) if paper is not None else self.fallback
        return tr.t("doctype.national", paper=name, state=self.state) if self.state else name


@dataclass(frozen=True)
class AcceptedNames:
    """The paper types a category accepts, named for a sentence ("a certificate … or a declaration …")."""
    category: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The names joined "a, b or c" (doctype.or), one name as it is; KeyError for a category the rules
        do not have."""
        papers = rules.document_types.papers
        names = [papers[t].name(tr.lang) for t in rules.categories[self.category].accepts if t in papers]
        return tr.t("doctype.or", first=", ".join(names[:-1]), last=names[-1]) if len(names) > 1 else "".join(names)


@dataclass(frozen=True)
class KycTitle:
    """A KYC requirement's title: kyc.req.<key>, or kyc.yaml's own English `title` when not translated."""
    key: str
    title: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The translated title (i18n.kyc_title), else kyc.yaml's own."""
        return i18n.kyc_title(self.key, self.title, tr)


@dataclass(frozen=True)
class RegisterStatus:
    """An EAEU register status code by its name in register.yaml (register.status.unknown when none)."""
    code: str

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """The status's name in register.yaml, else register.status.unknown."""
        return rules.register.status_name(self.code, tr.lang) or tr.t("register.status.unknown")


@dataclass(frozen=True)
class Joined:
    """Items said one by one and joined: `sep`, or `zh_sep` in Chinese."""
    items: tuple[Any, ...]
    sep: str = ", "
    zh_sep: str | None = None

    def say(self, tr: i18n.Translator, rules: Any) -> str:
        """Each item rendered, joined with the separator for the reader's language."""
        sep = self.zh_sep if tr.lang == "zh" and self.zh_sep is not None else self.sep
        return sep.join(i18n.render(item, tr, rules) for item in self.items)


def finding_text(finding: Any, tr: "i18n.Translator | str", rules: Any = None) -> str:
    """A Finding's detail sentence: its reason's `detail` template (reasons.yaml of `rules`, in
    `tr`'s language) filled with its arguments said the same way, then its `note` ("; " after);
    a Finding given its sentence as text (`text`) says that. A template whose placeholders the
    arguments do not fill falls back to the reason's title. Interned: the same sentence on a million
    SKUs is stored once."""
    tr = i18n.translator(tr)
    rules = rules if rules is not None else builtin_rules()
    memo = tr.memo(rules)
    try:
        key = (finding.code.code, finding.text, finding.args, finding.note)
        said = memo.get(key)
    except TypeError:           # an unhashable argument: said every time
        key, said = None, None
    if said is None:
        said = _finding_text(finding, tr, rules)
        if key is not None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()    # bounded: each SKU's own file names make most sentences unique
            memo[key] = said
    return said


MEMO_LIMIT = 4096   # sentences a Translator remembers per rules object, then starts afresh: the same finding on many SKUs
                    # is said once; a million unique ones (each SKU's own file names) never pile up in memory


def _finding_text(finding: Any, tr: i18n.Translator, rules: Any) -> str:
    if not finding.args:
        text = finding.text
    else:
        reason = rules.reason_text(finding.code, tr.lang)
        values = {name: i18n.render(value, tr, rules) for name, value in finding.args}
        try:
            text = reason.detail.format(**values)
        except (KeyError, IndexError, ValueError):
            text = reason.title
    if finding.note is not None:
        text = f"{text}; {i18n.render(finding.note, tr, rules)}"
    return sys.intern(text)
