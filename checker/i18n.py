"""Messages a person reads, in English, Russian or Chinese. The texts are data: rules/messages.yaml
(UI strings keyed by message id) and rules/reasons.yaml (per reason code). Codes, column names and
option names never change with the language.

The language of a run is set once (`set_lang`, done by the CLI) and read where a message is made
(`current_lang`); code that knows its language passes it explicitly.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .rulefile import LineDict, RuleError, load_yaml

LANGS: tuple[str, ...] = ("en", "ru", "zh")
DEFAULT_LANG = "en"
MESSAGES_FILE = "messages.yaml"

_current: ContextVar[str] = ContextVar("doccheck_lang", default=DEFAULT_LANG)
_active: "Messages | None" = None
_builtin: "Messages | None" = None


def current_lang() -> str:
    return _current.get()


def set_lang(lang: str | None) -> None:
    _current.set(lang if lang in LANGS else DEFAULT_LANG)


@contextmanager
def use_lang(lang: str | None) -> Iterator[None]:
    token = _current.set(lang if lang in LANGS else DEFAULT_LANG)
    try:
        yield
    finally:
        _current.reset(token)


def placeholders(template: str) -> set[str]:
    """The {names} a str.format template uses ({file}, {category!r} -> file, category)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def check_translations(texts: LineDict, what: str) -> dict[str, str]:
    """One text in every language of LANGS, each a non-empty string with the same {placeholders}.

    `texts` maps language -> text; errors name the file and line."""
    missing = [lang for lang in LANGS if lang not in texts]
    if missing:
        raise RuleError(f"{what} has no {', '.join(missing)} text (every message needs {', '.join(LANGS)})",
                        path=texts.path, line=texts.line)
    out: dict[str, str] = {}
    for lang in LANGS:
        value = texts[lang]
        if not isinstance(value, str) or not value.strip():
            raise RuleError(f"{what}: {lang!r} must be a non-empty text", path=texts.path, line=texts.line_of(lang))
        try:
            placeholders(value)
        except ValueError as exc:
            raise RuleError(f"{what}: {lang!r} is not a valid template ({exc})", path=texts.path, line=texts.line_of(lang)) from None
        out[lang] = value
    reference = placeholders(out[DEFAULT_LANG])
    for lang in LANGS[1:]:
        names = placeholders(out[lang])
        if names != reference:
            raise RuleError(f"{what}: {lang!r} uses {{{', '.join(sorted(names)) or ''}}} but 'en' uses "
                            f"{{{', '.join(sorted(reference)) or ''}}}; every language needs the same placeholders",
                            path=texts.path, line=texts.line_of(lang))
    return out


READING_PREFIX = "read."   # messages that translate what the reading stages wrote in English


class Messages(Mapping):
    """message id -> language -> text, validated."""

    def __init__(self, texts: dict[str, dict[str, str]], path: Path | None = None):
        self._texts = texts
        self.path = path

    def __getitem__(self, key: str) -> dict[str, str]:
        return self._texts[key]

    def __iter__(self):
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, msg_id: str, lang: str) -> str:
        texts = self._texts[msg_id]
        return texts.get(lang) or texts[DEFAULT_LANG]

    @functools.cached_property
    def reading_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """The English read.* messages as patterns, each {placeholder} a named group."""
        patterns = []
        for msg_id in self._texts:
            if msg_id.startswith(READING_PREFIX):
                parts = []
                for literal, name, _spec, _conv in string.Formatter().parse(self.text(msg_id, DEFAULT_LANG)):
                    parts.append(re.escape(literal))
                    if name:
                        parts.append(f"(?P<{name}>.+?)")
                patterns.append((msg_id, re.compile("".join(parts), re.DOTALL)))
        return patterns


def load_messages(path: Path) -> Messages:
    data = load_yaml(Path(path))
    texts: dict[str, dict[str, str]] = {}
    for msg_id, spec in data.items():
        if not isinstance(msg_id, str) or not msg_id.strip():
            raise RuleError(f"message id {msg_id!r} must be text", path=data.path, line=data.line_of(msg_id))
        if not isinstance(spec, LineDict):
            raise RuleError(f"message {msg_id!r} must map en/ru/zh to texts", path=data.path, line=data.line_of(msg_id))
        extra = sorted(set(spec) - set(LANGS))
        if extra:
            raise RuleError(f"message {msg_id!r}: unknown language {extra[0]!r} (expected {', '.join(LANGS)})",
                            path=spec.path, line=spec.line_of(extra[0]))
        texts[msg_id] = check_translations(spec, f"message {msg_id!r}")
    return Messages(texts, Path(path))


def builtin_messages() -> Messages:
    from .rules_location import default_rules_dir

    global _builtin
    if _builtin is None:
        _builtin = load_messages(default_rules_dir() / MESSAGES_FILE)
    return _builtin


def messages_for(directory: Path | None) -> Messages:
    """A rules folder's messages.yaml, or the built-in one when that folder has none."""
    if directory is not None and (Path(directory) / MESSAGES_FILE).is_file():
        return load_messages(Path(directory) / MESSAGES_FILE)
    return builtin_messages()


def install(messages: Messages) -> None:
    """Use these messages from now on (the CLI installs the ones of the rules folder in use)."""
    global _active
    _active = messages


def active() -> Messages:
    return _active if _active is not None else builtin_messages()


_MISSING = object()


def t(msg_id: str, lang: str | None = None, default: object = _MISSING, **values) -> str:
    """The message in `lang` (default: the run's language), its {placeholders} filled.

    An id the messages do not have returns `default` when given (a KYC requirement from a custom
    kyc.yaml has no translation: its own title is shown), else raises KeyError: a programming error."""
    lang = lang or current_lang()
    msgs = active()
    if msg_id not in msgs:
        if default is not _MISSING:
            return default  # type: ignore[return-value]
        raise KeyError(f"no message {msg_id!r} in {msgs.path}")
    template = msgs.text(msg_id, lang)
    if not values:
        return template
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return msgs.text(msg_id, DEFAULT_LANG).format(**values)


def reading_note(text: str, lang: str | None = None) -> str:
    """A note or problem the reading stages wrote (in English: it is cached with the file's facts)
    in `lang`, part by part ("; "), by matching the English read.* messages; a part that matches
    none - an exception's own words, a custom numbers.yaml - stays as written."""
    lang = lang or current_lang()
    if lang == DEFAULT_LANG or not text:
        return text
    patterns = active().reading_patterns
    out = []
    for part in text.split("; "):
        for msg_id, pattern in patterns:
            match = pattern.fullmatch(part)
            if match:
                part = t(msg_id, lang, **match.groupdict())
                break
        out.append(part)
    return "; ".join(out)


def type_name(mime: str, rules, lang: str | None = None) -> str:
    """How a report names a file type: file_types.yaml's English phrase, translated when we can."""
    lang = lang or current_lang()
    english = rules.type_name(mime)
    if lang == DEFAULT_LANG:
        return english
    return t(f"type.{mime}", lang, default=english)


def kyc_title(key: str, english: str, lang: str | None = None) -> str:
    """A KYC requirement's title in the run's language (kyc.yaml's own title when not translated)."""
    lang = lang or current_lang()
    if lang == DEFAULT_LANG:
        return english
    return t(f"kyc.req.{key}", lang, default=english)


def kyc_note(requirement, lang: str | None = None) -> str:
    """A KYC requirement's note in `lang` (default: the run's language), personal ids masked: its
    message ids rendered (checker.kyc.notes), else the note as given."""
    note_msg = getattr(requirement, "note_msg", None)
    if note_msg is None:
        return requirement.note
    from .privacy import redact     # as kyc.notes.render_note does, without importing kyc (no cycle)

    return redact(note_msg.render(lang or current_lang()))


# The account settings buyer chat also depends on: no paper shows them, so the seller ticks them in
# the Seller Dashboard. The terminal summary and the HTML report show them as a checklist.
CHAT_SETTINGS: tuple[str, ...] = ("footer.messages_allowed", "footer.new_order_chat", "footer.auto_response",
                                  "footer.working_hours")


def chat_settings(lang: str | None = None) -> tuple[str, list[str]]:
    """(heading, [setting, ...]) of the chat-settings checklist, in `lang`."""
    return t("footer.heading", lang), [t(msg_id, lang) for msg_id in CHAT_SETTINGS]


_LEADING_WORD = re.compile(r"[^\W\d_]+(?=\s)")


def sentence(text: str, lang: str) -> str:
    """A detail as a sentence: the first word capitalised when it is the template's own lowercase
    word ("файл …", "the account's …"), never when it is a value - a file or category name is shown
    exactly as written (qpdf_issue.pdf, power_bank) - and a full stop in the language's form."""
    text = text.strip()
    if not text:
        return text
    word = _LEADING_WORD.match(text)
    if word and word.group().islower():
        text = text[0].upper() + text[1:]
    if text.endswith((".", "!", "?", "。", "！", "？")):
        return text
    return text + ("。" if lang == "zh" else ".")


def width(text: str) -> int:
    """Columns a terminal gives the text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 0 if unicodedata.combining(c) else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """Left-aligned to `columns` terminal columns (str.ljust counts CJK characters as one)."""
    return text + " " * max(0, columns - width(text))


class Translator:
    """Message ids into words, in one language, with one set of messages: the explicit context a
    writer or a command is handed instead of module state.

    ``Translator(lang, messages)``: `lang` one of LANGS (anything else falls back to DEFAULT_LANG),
    `messages` the rules folder's messages in use (default: the built-in ones).
    ``t(msg_id, default=..., **values)`` renders one message; unknown ids raise KeyError unless a
    `default` is given, as for the module-level `t`."""

    __slots__ = ("lang", "messages")

    def __init__(self, lang: str | None = None, messages: Messages | None = None):
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self.messages = messages if messages is not None else builtin_messages()

    def __repr__(self) -> str:
        return f"Translator({self.lang!r}, {self.messages.path})"

    def t(self, msg_id: str, default: object = _MISSING, **values) -> str:
        if msg_id not in self.messages:
            if default is not _MISSING:
                return default  # type: ignore[return-value]
            raise KeyError(f"no message {msg_id!r} in {self.messages.path}")
        template = self.messages.text(msg_id, self.lang)
        if not values:
            return template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return self.messages.text(msg_id, DEFAULT_LANG).format(**values)
