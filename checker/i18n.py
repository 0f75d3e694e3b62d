"""Messages a person reads, in English, Russian or Chinese. The texts are data: rules/messages.yaml
(UI strings keyed by message id) and rules/reasons.yaml (per reason code). Codes, column names and
option names never change with the language.

No module state holds a language: results carry codes and message ids, and only a writer turns them
into words, through a `Translator` (a language and the messages of the rules folder in use) handed to
it. See docs/languages.md.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from .rulefile import LineDict, RuleError, load_yaml

LANGS: tuple[str, ...] = ("en", "ru", "zh")
DEFAULT_LANG = "en"
MESSAGES_FILE = "messages.yaml"


def valid_lang(lang: str | None) -> str:
    """`lang` when it is one of LANGS, else DEFAULT_LANG."""
    return lang if lang in LANGS else DEFAULT_LANG


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
        """The text of `msg_id` in `lang`, the English one when `lang` has none; KeyError for an unknown id."""
        texts = self._texts[msg_id]
        return texts.get(lang) or texts[DEFAULT_LANG]


def load_messages(path: Path) -> Messages:
    """Reads and validates a messages.yaml: message id -> {en, ru, zh} texts, every language present,
    non-empty and with the same {placeholders} (check_translations). RuleError naming file and line."""
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


@functools.cache
def builtin_messages() -> Messages:
    """The built-in rules/messages.yaml, loaded once (a cache of data, not language state)."""
    from .rules_location import default_rules_dir

    return load_messages(default_rules_dir() / MESSAGES_FILE)


def messages_for(directory: Path | None) -> Messages:
    """A rules folder's messages.yaml, or the built-in one when that folder has none (or is the
    built-in folder: its messages are loaded once per process)."""
    from .rules_location import default_rules_dir

    if directory is not None and (Path(directory) / MESSAGES_FILE).is_file() and \
            Path(directory).resolve() != default_rules_dir().resolve():
        own = load_messages(Path(directory) / MESSAGES_FILE)
        _check_placeholders_known(own, builtin_messages())
        return own
    return builtin_messages()


def _check_placeholders_known(own: Messages, builtin: Messages) -> None:
    """A rules folder's message may drop a {placeholder} of the built-in one, never add one the code
    does not fill (it would have nothing to say there). RuleError naming the file and line."""
    for msg_id in own:
        if msg_id not in builtin:
            continue   # an id the code never asks for: said nowhere, so it cannot fail
        known = placeholders(builtin.text(msg_id, DEFAULT_LANG))
        unknown = sorted(placeholders(own.text(msg_id, DEFAULT_LANG)) - known)
        if unknown:
            spec = load_yaml(own.path).get(msg_id) if own.path is not None else None   # for its line
            line = spec.line_of(DEFAULT_LANG) if isinstance(spec, LineDict) else None
            raise RuleError(f"message {msg_id!r} uses {{{unknown[0]}}}, which doccheck does not fill here "
                            f"(it fills {{{', '.join(sorted(known))}}})" if known else
                            f"message {msg_id!r} uses {{{unknown[0]}}}, but doccheck fills no placeholder here",
                            path=own.path, line=line)


_MISSING = object()


def t(msg_id: str, lang: str = DEFAULT_LANG, default: object = _MISSING, **values) -> str:
    """The built-in message `msg_id` in `lang` (English unless given: there is no run language), its
    {placeholders} filled: Translator(lang).t(...). Code that knows the rules folder in use
    renders through that folder's Translator instead."""
    return Translator(lang).t(msg_id, default, **values)


@dataclasses.dataclass(frozen=True)
class Message:
    """A message id, its arguments (name, value) and an English text to fall back on: words not yet
    said, which a writer renders in the reader's language. An argument with a `render(speaker)`
    method (another Message, kyc.notes.Words) is rendered first. str() is the English text (built-in
    messages), for logs and exceptions.

    `default` is used when the messages in use have no such id (a custom kyc.yaml's own note)."""
    id: str
    args: tuple[tuple[str, object], ...] = ()
    default: str | None = None

    @classmethod
    def of(cls, msg_id: str, default: str | None = None, **args: object) -> "Message":
        """Message.of(msg_id, default, name=value, ...): the arguments kept in the order given."""
        return cls(msg_id, tuple(args.items()), default)

    def render(self, speaker: "Translator | str", rules=None) -> str:
        """The message in `speaker`'s language (a Translator, or a language code: built-in messages);
        `rules` (checker.rules.Rules) for arguments named by the rules (checker.phrases)."""
        tr = translator(speaker)
        values = {name: render(value, tr, rules) for name, value in self.args}
        if self.default is not None and self.id not in tr.messages:
            return self.default.format(**values) if values else self.default
        return tr.t(self.id, **values)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANG)


class Said(str):
    """A Message as a plain string: its English text (built-in messages), so it is stored, compared,
    logged and serialised like any string, while a writer can still say it in the reader's language
    (`render`). Warnings and the errors a command shows are Said."""
    __slots__ = ("message",)

    def __new__(cls, message: Message) -> "Said":
        said = super().__new__(cls, str(message))
        said.message = message
        return said

    def render(self, speaker: "Translator | str", rules=None) -> str:
        """The message in `speaker`'s language (Message.render)."""
        return self.message.render(speaker, rules)

    def __reduce__(self):   # pickled (to a worker, into a cache) with its message, not only its English
        return (Said, (self.message,))


def said(msg_id: str, **args: object) -> Said:
    """The message `msg_id` with `args`, to be said later: Said(Message.of(msg_id, **args))."""
    return Said(Message.of(msg_id, **args))


class SaidParts(str):
    """Several notes said one after the other, "; " between (a page note that gives two reasons, a
    number with two problems): their English text joined, each part rendered in the reader's
    language by `render`. Made by `joined`."""
    __slots__ = ("parts",)

    def __new__(cls, parts: tuple[str, ...]) -> "SaidParts":
        text = super().__new__(cls, "; ".join(parts))
        text.parts = tuple(parts)
        return text

    def render(self, speaker: "Translator | str", rules=None) -> str:
        """Each part rendered in `speaker`'s language, "; " between."""
        return "; ".join(render(part, speaker, rules) for part in self.parts)

    def __reduce__(self):
        return (SaidParts, (self.parts,))


def joined(*notes: str) -> str:
    """Notes (Said, SaidParts or plain text; empty ones left out) as one, "; " between: "" for none,
    the note itself for one, else a SaidParts that renders each part in the reader's language."""
    parts: list[str] = []
    for note in notes:
        if isinstance(note, SaidParts):
            parts.extend(note.parts)
        elif note:
            parts.append(note)
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else SaidParts(tuple(parts))


def said_ids(note: object) -> set[str]:
    """The message ids a note says (a Said: its id; a SaidParts: its parts' ids, which joined keeps
    flat; plain text, an outside source's words: none)."""
    if isinstance(note, SaidParts):
        return {part.message.id for part in note.parts if isinstance(part, Said)}
    return {note.message.id} if isinstance(note, Said) else set()


def to_data(value: str | None) -> object:
    """A note (Said, SaidParts or plain text) as JSON data for the cache, language-free: a Said as
    ``{"id": ..., "args": {...}}`` (and ``"default"`` when it has one), a SaidParts as
    ``{"parts": [...]}``, plain text (an exception's own words) and None as they are. `from_data`
    reads it back."""
    if isinstance(value, SaidParts):
        return {"parts": [to_data(p) for p in value.parts]}
    if isinstance(value, Said):
        m = value.message
        data: dict[str, object] = {"id": m.id, "args": {name: to_data(v) if isinstance(v, str) else v for name, v in m.args}}
        if m.default is not None:
            data["default"] = m.default
        return data
    return value


def from_data(data: object) -> str | None:
    """A note as `to_data` wrote it (TypeError for any other shape: the cache treats the row as a miss)."""
    if data is None or isinstance(data, str):
        return data
    if isinstance(data, dict) and set(data) == {"parts"} and isinstance(data["parts"], list):
        return SaidParts(tuple(from_data(p) or "" for p in data["parts"]))
    if isinstance(data, dict) and isinstance(data.get("id"), str) and isinstance(data.get("args", {}), dict) \
            and set(data) <= {"id", "args", "default"} and isinstance(data.get("default", ""), str):
        args = tuple((name, from_data(v) if isinstance(v, (str, dict)) else v) for name, v in data.get("args", {}).items())
        return Said(Message(data["id"], args, data.get("default")))
    raise TypeError(f"not a stored note: {data!r}")


def is_data(data: object) -> bool:
    """Is `data` a note as `to_data` writes it (cache rows are checked before they are decoded)?"""
    try:
        from_data(data)
    except (TypeError, KeyError, ValueError):
        return False
    return True


def map_text(value: str, fn) -> str:
    """`fn` (str -> str: valid Unicode, masking) applied to plain text, or to a note's text arguments,
    keeping what it says."""
    if isinstance(value, SaidParts):
        return SaidParts(tuple(map_text(p, fn) for p in value.parts))
    if isinstance(value, Said):
        m = value.message
        return Said(Message(m.id, tuple((n, map_text(v, fn) if isinstance(v, str) else v) for n, v in m.args), m.default))
    return fn(value)


def render(value: object, speaker: "Translator | str", rules=None) -> str:
    """Any text a result holds as the reader reads it, in `speaker`'s language: a Message or a Said
    (anything with render()); a phrase naming something the rules name (checker.phrases: a category,
    a paper type, anything with say(tr, rules)) with `rules` (checker.rules.Rules, needed for those);
    an exception carrying a Said; a plain string (a file name, an exception's own words) as it is."""
    if hasattr(value, "say"):
        return value.say(translator(speaker), rules)   # type: ignore[union-attr]
    if isinstance(value, Message | Said):
        return value.render(speaker, rules)
    if hasattr(value, "render"):
        return value.render(speaker)   # type: ignore[union-attr]
    if isinstance(value, BaseException) and value.args and hasattr(value.args[0], "render"):
        return value.args[0].render(speaker)
    return str(value)


Speaker = "Translator | str"   # a Translator, or a language code meaning the built-in messages in it


def translator(speaker: "Translator | str | None") -> "Translator":
    """`speaker` as a Translator: itself, or the built-in messages in that language (None: English)."""
    return speaker if isinstance(speaker, Translator) else Translator(speaker)


def type_name(mime: str, rules, speaker: Speaker) -> str:
    """How a report names a file type: file_types.yaml's English phrase, translated when we can."""
    tr = translator(speaker)
    english = rules.type_name(mime)
    if tr.lang == DEFAULT_LANG:
        return english
    return tr.t(f"type.{mime}", default=english)


def kyc_title(key: str, english: str, speaker: Speaker) -> str:
    """A KYC requirement's title in the translator's language (kyc.yaml's own title when not translated)."""
    tr = translator(speaker)
    if tr.lang == DEFAULT_LANG:
        return english
    return tr.t(f"kyc.req.{key}", default=english)


def kyc_note(requirement, speaker: Speaker) -> str:
    """A KYC requirement's note in the translator's language, personal ids masked: its message ids
    rendered (checker.kyc.notes), else the note as given."""
    note_msg = getattr(requirement, "note_msg", None)
    if note_msg is None:
        return requirement.note
    from .privacy import redact     # as kyc.notes.render_note does, without importing kyc (no cycle)

    return redact(note_msg.render(translator(speaker)))


# The account settings buyer chat also depends on: no paper shows them, so the seller ticks them in
# the Seller Dashboard. The terminal summary and the HTML report show them as a checklist.
CHAT_SETTINGS: tuple[str, ...] = ("footer.messages_allowed", "footer.new_order_chat", "footer.auto_response",
                                  "footer.working_hours")


def chat_settings(speaker: Speaker) -> tuple[str, list[str]]:
    """(heading, [setting, ...]) of the chat-settings checklist, in the translator's language."""
    tr = translator(speaker)
    return tr.t("footer.heading"), [tr.t(msg_id) for msg_id in CHAT_SETTINGS]


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
    `default` is given (a KYC requirement from a custom kyc.yaml has no translation: its own title
    is shown). A value that does not fit the language's template falls back to the English one."""

    __slots__ = ("lang", "messages", "_memos")

    def __init__(self, lang: str | None = None, messages: Messages | None = None):
        self.lang = valid_lang(lang)
        self.messages = messages if messages is not None else builtin_messages()
        self._memos: dict[int, tuple[object, dict]] = {}

    def memo(self, owner: object) -> dict:
        """A dict in which this translator keeps what it has already said with `owner` (the rules in
        use): a million SKUs with the same finding are said once per language, not once per SKU and
        writer. `owner` is kept alive with its memo, so its id cannot be reused."""
        entry = self._memos.get(id(owner))
        if entry is None or entry[0] is not owner:
            entry = self._memos[id(owner)] = (owner, {})
        return entry[1]

    def __repr__(self) -> str:
        return f"Translator({self.lang!r}, {self.messages.path})"

    def t(self, msg_id: str, default: object = _MISSING, **values) -> str:
        """The message `msg_id` in this language, its {placeholders} filled from `values` (no values: the
        template as it is). An unknown id returns `default` as it is, or raises KeyError when none is
        given. Values that do not fit this language's template fill the English one instead."""
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
            try:
                return self.messages.text(msg_id, DEFAULT_LANG).format(**values)
            except (KeyError, IndexError, ValueError):   # a template the code does not fill: said as it is
                return self.messages.text(msg_id, DEFAULT_LANG)
