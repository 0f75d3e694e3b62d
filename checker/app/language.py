"""The reader's language for one command: chosen once, where the command knows it (--lang, a
client's doccheck.toml, else the locale), and handed down as an i18n.Translator."""

from __future__ import annotations

import os

from .. import i18n


def default_lang() -> str:
    """The language of the locale (LC_ALL, LC_MESSAGES, LANG, then Python's locale) when it is one
    of i18n.LANGS, else English."""
    import locale

    for value in (os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG"), locale.getlocale()[0]):
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            if code in i18n.LANGS:
                return code
    return i18n.DEFAULT_LANG


def translator(lang: str | None, rules=None) -> i18n.Translator:
    """A Translator for `lang` (None: default_lang()) with the messages of `rules` (the rules folder
    in use; None: the built-in messages, for what is said before the rules are loaded)."""
    return i18n.Translator(lang or default_lang(), rules.messages if rules is not None else None)

