"""Turning file-system names, and any text a seller's files or lists carry, into text that prints,
stores and reports safely.

Three levels, one per boundary:

* valid_unicode(): text read from a paper (a PDF may map a glyph to a lone surrogate such as U+D800)
  becomes text any encoder takes; the unknown character is U+FFFD. Applied where facts are made, so
  the cache, the analysis and every writer only ever see valid Unicode.
* safe_text(): a value as a report shows it (CSV, JSON, HTML). Undecodable file-name bytes (kept by
  Python as surrogates) become \\xNN, other lone surrogates \\udXXX; control characters (ESC, so no
  ANSI or OSC sequence survives a `cat report.csv`) and invisible format characters (bidi controls
  such as U+202E, zero-width spaces, U+FEFF: Unicode category Cf) become visible escapes. Tabs and
  line breaks inside a value are kept (a CSV cell or JSON string holds them safely).
* terminal_text() / display_name(): as safe_text, and line breaks and tabs escaped too, so one value
  is one line on a terminal and can never move the cursor, clear the screen or set the window title.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab and line breaks, DEL, C1 controls (U+0080-U+009F: 0x9B is a one-byte CSI).
_C0_C1 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
# Unicode's format characters (category Cf: bidi controls, zero-width spaces, BOM, tags...), as of
# Unicode 15; tests/test_hostile_input.py checks the class against unicodedata.
FORMAT_CHARS = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
                "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
                "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
_SURROGATES = "\ud800-\udfff"
_REPORT_UNSAFE = re.compile(f"[{_SURROGATES}{_C0_C1}{FORMAT_CHARS}]")
_TERMINAL_UNSAFE = re.compile(f"[{_SURROGATES}\t\n\r{_C0_C1}{FORMAT_CHARS}]")
_SURROGATE = re.compile(f"[{_SURROGATES}]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:          # a byte that did not decode (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{code:02x}")
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape_all(text: str, unsafe: re.Pattern[str]) -> str:
    if text.isascii() and text.isprintable():   # most names and cells: nothing to escape (0x20-0x7e)
        return text
    return unsafe.sub(lambda m: _escape(m.group()), text)


def valid_unicode(text: str) -> str:
    """Text with every lone surrogate replaced by U+FFFD (for text read from a paper)."""
    return _SURROGATE.sub("\ufffd", text) if text else text


def safe_text(value: object) -> str:
    """A value as reports show it: always encodable as UTF-8, no control or invisible format
    character left raw (see the module docstring). None is ''."""
    text = "" if value is None else str(value)
    return _escape_all(text, _REPORT_UNSAFE)


def terminal_text(value: object) -> str:
    """A value as the terminal shows it: safe_text() with line breaks and tabs escaped too."""
    text = "" if value is None else str(value)
    return _escape_all(text, _TERMINAL_UNSAFE)


def display_name(name: str) -> str:
    """A file or folder name as every output shows it: undecodable bytes as \\xNN, control and
    format characters escaped."""
    return terminal_text(name)


def display_path(parts: tuple[str, ...] | list[str]) -> str:
    """Path components as every output shows them: each made printable by display_name, joined with '/'."""
    return "/".join(display_name(p) for p in parts)


def nfc(text: str) -> str:
    """A name as text, not bytes: macOS and some sync clients store Й, Ё decomposed (NFD)."""
    return unicodedata.normalize("NFC", text)


def fold_name(text: str) -> str:
    """How names are compared where case does not matter: NFC, then case-folded."""
    return nfc(text).casefold()
