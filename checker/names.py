"""Turning file-system names into text that prints and reports safely."""

from __future__ import annotations

import os
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def display_name(name: str) -> str:
    """Undecodable bytes (kept by Python as surrogates) become \\xNN; control chars become escapes."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def display_path(parts: tuple[str, ...] | list[str]) -> str:
    return "/".join(display_name(p) for p in parts)


def nfc(text: str) -> str:
    """A name as text, not bytes: macOS and some sync clients store Й, Ё decomposed (NFD)."""
    return unicodedata.normalize("NFC", text)


def fold_name(text: str) -> str:
    """How names are compared where case does not matter: NFC, then case-folded."""
    return nfc(text).casefold()
