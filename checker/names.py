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

import os
import re
import unicodedata

# C0 controls but tab and line breaks, DEL, C1 controls (U+0080-U+009F: 0x9B is a one-byte CSI).
_REPORT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:          # a byte that did not decode (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{code:02x}")
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def _escape_all(text: str, controls: re.Pattern[str]) -> str:
    text = _SURROGATE.sub(lambda m: _escape(m.group()), text)
    text = controls.sub(lambda m: _escape(m.group()), text)
    if any(_is_format(ch) for ch in text):
        text = "".join(_escape(ch) if _is_format(ch) else ch for ch in text)
    return text


def valid_unicode(text: str) -> str:
    """Text with every lone surrogate replaced by U+FFFD (for text read from a paper)."""
    return _SURROGATE.sub("\ufffd", text) if text else text


def safe_text(value: object) -> str:
    """A value as reports show it: always encodable as UTF-8, no control or invisible format
    character left raw (see the module docstring). None is ''."""
    text = "" if value is None else str(value)
    return _escape_all(text, _REPORT_CONTROL)


def terminal_text(value: object) -> str:
    """A value as the terminal shows it: safe_text() with line breaks and tabs escaped too."""
    text = "" if value is None else str(value)
    return _escape_all(text, _TERMINAL_CONTROL)


def display_name(name: str) -> str:
    """A file or folder name as every output shows it: undecodable bytes as \\xNN, control and
    format characters escaped."""
    return terminal_text(name)


def display_path(parts: tuple[str, ...] | list[str]) -> str:
    return "/".join(display_name(p) for p in parts)


def fs_key(path: str) -> bytes:
    """The bytes of a path as the file system holds them (any name, decodable or not)."""
    return os.fsencode(path)
