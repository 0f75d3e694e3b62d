"""KYC notes as message ids and arguments, turned into words only by the writers.

A Note is one message of rules/messages.yaml (`kyc.note.*`, `kyc.doc.*`, ...) with its arguments;
an argument may itself be a Note (a document's name, a language's name) or a Words list (joined
in the reader's language: "Russian and English", "русский и английский", "俄文和英文"). A note
named by kyc.yaml (a requirement's own note, a marker's title) carries the yaml's English text as
its default, used when messages.yaml has no translation for it (a custom rules folder).

render() fills the message in the reader's language and masks every personal id in the result
(privacy.redact), so no writer can show a full passport or account number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .. import i18n
from ..analysis.markers import LANGUAGES
from ..privacy import redact

Arg = Union[str, int, "Note", "Words"]


Note = i18n.Message   # a message id, its arguments (name, value) and the English text to fall back on


@dataclass(frozen=True)
class Words:
    """Items joined in the reader's language: `how` is "and" (Russian and English), "list"
    (a, b, c) or "clauses" (one; two)."""
    items: tuple[Any, ...]
    how: str = "list"

    def render(self, speaker: "i18n.Translator | str") -> str:
        """The items joined in the translator's language."""
        tr = i18n.translator(speaker)
        parts = [_render(item, tr) for item in self.items]
        if not parts:
            return ""
        if self.how == "and" and len(parts) > 1:
            head = parts[0]
            for part in parts[1:-1]:
                head = tr.t("kyc.join.list", a=head, b=part)
            return tr.t("kyc.join.and", a=head, b=parts[-1])
        joined = parts[0]
        for part in parts[1:]:
            joined = tr.t("kyc.join.clauses" if self.how == "clauses" else "kyc.join.list", a=joined, b=part)
        return joined


_render = i18n.render


def clauses(notes: list[Note]) -> Note | Words:
    """Several explanations as one ("; "); one stays itself."""
    unique = list(dict.fromkeys(notes))
    return unique[0] if len(unique) == 1 else Words(tuple(unique), "clauses")


def render_note(note: Note | Words | None, speaker: "i18n.Translator | str") -> str:
    """The note in the translator's language (a language code: the built-in messages), personal ids
    masked; "" for none."""
    if note is None:
        return ""
    return redact(note.render(speaker))


def language_name(lang: str) -> Note:
    """A language's name as a note: language.<code> of messages.yaml ("Russian", "русский", "俄文")."""
    return Note.of(f"language.{lang}")


def languages(langs: Any) -> Words:
    """Language codes as a note: "Russian and English" in the reader's language."""
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    ordered = sorted(set(langs), key=lambda lang: order.get(lang, len(order)))
    if not ordered:
        return Words((Note.of("kyc.word.no_language"),), "and")
    return Words(tuple(language_name(lang) for lang in ordered), "and")


def paths(items: Any) -> Words:
    """File paths as a Words list (a, b, c), joined in the reader's language."""
    return Words(tuple(items), "list")
