"""doccheck explain [CODE]: what a reason code means, why Ozon cares and how to fix it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from .. import codes
from ..app.errors import InputError
from ..app.language import translator
from ..app.setup import load_rules


def explain(code: str | None, rules_dir: Path | None, lang: str | None, echo: Callable[[str], None] = click.echo) -> None:
    """Print reason CODE's title, whether it blocks chat, its scope, why and how to fix it, in
    `lang` from the rules of `rules_dir`; without CODE, every code with its title. InputError
    for an unknown code (the known ones listed)."""
    rules = load_rules(rules_dir)
    tr = translator(lang, rules)
    t = tr.t
    if code is None:
        echo(t("explain.list"))
        for c in codes.ALL_CODES:
            echo(f"  {c.code:<28} {rules.reason_text(c, tr.lang).title}")
        return
    key = code.strip().casefold().replace("-", "_")
    reason = codes.BY_NAME.get(key)
    if reason is None:
        raise InputError(t("explain.unknown", code=code, codes=", ".join(c.code for c in codes.ALL_CODES)))
    text = rules.reason_text(reason, tr.lang)
    echo(f"{reason.code}: {text.title}")
    echo(t("explain.blocking.yes") if reason.blocking else t("explain.blocking.no"))
    echo(t(f"explain.scope.{reason.scope.value}"))
    echo("")
    echo(t("explain.why"))
    echo(f"  {text.why}")
    echo(t("explain.fix"))
    echo(f"  {text.fix}")
