"""doccheck rules [CATEGORY]: the categories and what each needs, the reason codes; one category
in plain words; or the Ozon types of a products list that map to no category."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from .. import codes, i18n
from ..app.errors import InputError
from ..app.language import translator
from ..app.setup import load_rules, read_skus


def list_rules(category: str | None, rules_dir: Path | None, lang: str | None, unmapped: Path | None = None,
               echo: Callable[[str], None] = click.echo) -> None:
    """Print, in `lang`, the rules of `rules_dir` (None: built-in): with `unmapped` (a products list),
    its Ozon types that map to no category; with `category` (a rule key or any Ozon name), what
    that category needs; else every category and every reason code. InputError for an unknown category."""
    rules = load_rules(rules_dir)
    tr = translator(lang, rules)
    if unmapped is not None:
        list_unmapped(rules, unmapped, tr, echo)
        return
    if category is not None:
        describe_category(rules, category, tr, echo)
        return
    t = tr.t
    echo(t("rules.heading.categories"))
    for cat in sorted(rules.categories.values(), key=lambda c: (not c.restricted, c.key)):
        need = t("rules.need.high_risk") if cat.high_risk else t("rules.need.restricted") if cat.restricted else t("rules.need.none")
        regs = f"  [{', '.join(cat.regulations)}]" if cat.regulations else ""
        echo(f"  {cat.key:<30} {need}{regs}")
        if cat.accepts:
            echo(f"  {'':<30} {t('rules.accepts', types=', '.join(cat.accepts))}")
        echo(f"  {'':<30} {t('rules.aliases', aliases=', '.join(cat.aliases))}")
    echo("\n" + t("rules.heading.codes"))
    labels = {True: t("rules.blocks"), False: t("rules.at_risk")}
    label_width = max(i18n.width(v) for v in labels.values())
    for code in codes.ALL_CODES:
        text = rules.reason_text(code, tr.lang)
        echo(f"  {code.code:<28} {i18n.pad(labels[code.blocking], label_width)}  {text.title}")
    echo("\n" + t("rules.more"))


def list_unmapped(rules, path: Path, tr: i18n.Translator, echo: Callable[[str], None] = click.echo) -> None:
    """The Ozon types of the products list at `path` that map to no category, with their counts."""
    from ..ozon.products import unmapped_types

    rows = [r.row for r in read_skus(path).rows]
    found = unmapped_types(rows, rules)
    if not found:
        echo(tr.t("ozon.unmapped.none", path=str(path)))
        return
    echo(tr.t("ozon.unmapped.heading", path=str(path)))
    for name, count in found:
        echo(f"  {name}\t{count}")


def describe_category(rules, name: str, tr: i18n.Translator, echo: Callable[[str], None] = click.echo) -> None:
    """What category `name` (matched as a SKU list's category is: folded, path, close match) needs:
    regulations, accepted papers, files, the source. InputError with suggestions when none matches."""
    t, lang = tr.t, tr.lang
    match = rules.match_category(name)
    cat = match.category
    if cat is None:
        close = [f"{rules.categories[key].name(lang)} ({key})" for key in match.suggestions]
        hint = f"; {t('cat.did_you_mean', names=', '.join(close))}" if close else ""
        raise InputError(t("cat.unknown", name=name) + hint)
    echo(f"{cat.name(lang)} ({t('cat.key', key=cat.key)})")
    others = [a for a in cat.aliases if a != cat.name(lang)]
    if others:
        echo(t("cat.aliases", aliases=", ".join(others)))
    echo("")
    echo(t("cat.need.high_risk") if cat.high_risk else t("cat.need.restricted") if cat.restricted else t("cat.need.none"))
    if cat.restricted:
        if cat.regulations:
            echo(t("cat.regulations"))
            for reg in cat.regulations:
                title = rules.regulation_titles.get(reg, {}).get(lang, "")
                echo(f"  {reg}" + (f" — {title}" if title else ""))
        else:
            echo(t("cat.regulations.none"))
        papers = rules.document_types.papers
        echo(t("rules.accepts", types=""))
        for kind in cat.accepts:
            echo(f"  {kind}" + (f" — {papers[kind].name(lang)}" if kind in papers else ""))
        echo(t("cat.files"))
    source = dict(cat.source)
    echo(t("rules.source", text=source["text"], read=source["read"]) + (f" {source['url']}" if source.get("url") else ""))
    echo(t("cat.kyc"))
