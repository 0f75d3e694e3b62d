"""The commands that talk to Ozon: `doccheck ozon products|certificates|upload` and `scan --ozon`
(cli.py declares their options). Errors are one line (exit 2), never a traceback, and never show
the credentials."""

from __future__ import annotations

from pathlib import Path

import click

from ..app.errors import InputError
from .. import i18n
from ..app.language import translator
from ..app.outcome import write_reports_or_fail
from ..app.setup import cache_folder, load_rules, prepare_scan
from ..codes import ExitCode
from .client import Credentials, OzonClient, OzonError


def open_client(api_url: str, tr: i18n.Translator | None = None) -> OzonClient:
    """A client from OZON_CLIENT_ID / OZON_API_KEY; a missing variable is a one-line error (in
    `tr`'s language; None: English)."""
    try:
        return OzonClient(Credentials.from_env(), api_url)
    except OzonError as exc:
        raise ozon_error(exc, tr) from None


def ozon_error(exc: OzonError, tr: i18n.Translator | None = None) -> InputError:
    """The OzonError as the CLI's one-line error in `tr`'s language (None: English); its text is
    already free of credentials."""
    return InputError(i18n.render(exc, tr or i18n.DEFAULT_LANG))


def fetch_moderation(result, rules, api_url: str, lang: str):
    """scan --ozon: the scan result with Ozon's verdicts added (certificates.annotate)."""
    from .certificates import annotate, fetch_certificates, moderation_for
    from .products import ozon_skus_for

    tr = translator(lang, rules)
    with open_client(api_url, tr) as client:
        try:
            ozon_sku_of = ozon_skus_for(client, [s.sku for s in result.skus])
            certs = fetch_certificates(client, rules.ozon_types)
        except OzonError as exc:
            raise ozon_error(exc, tr) from None
    return annotate(result, moderation_for(certs, ozon_sku_of), rules, lang)


def products(out: Path, api_url: str, cache_dir: Path | None, no_cache: bool, lang: str | None) -> None:
    """`doccheck ozon products`: every product of the account written to `out` (.csv: a valid
    --skus list, or .xlsx); the category tree cached for a day unless `no_cache`."""
    from .products import fetch_products, write_products

    tr = translator(lang)
    _check_parent(out)
    with open_client(api_url, tr) as client:
        try:
            found = fetch_products(client, cache_folder({"cache_dir": cache_dir, "no_cache": no_cache}))
        except OzonError as exc:
            raise ozon_error(exc, tr) from None
    _write(lambda: write_products(found, out))
    click.echo(tr.t("ozon.products.written", count=len(found), path=str(out)))


def certificates(out: Path, api_url: str, rules_dir: Path | None, lang: str | None) -> None:
    """`doccheck ozon certificates`: the account's certificates, their moderation verdicts and the
    SKUs each is bound to, written to the CSV `out`."""
    from .certificates import fetch_certificates, write_certificates
    from .products import fetch_products

    rules = load_rules(rules_dir)
    tr = translator(lang, rules)
    _check_parent(out)
    with open_client(api_url, tr) as client:
        try:
            certs = fetch_certificates(client, rules.ozon_types)
            offer_of = {p.ozon_sku: p.sku for p in fetch_products(client, None)} if any(c.ozon_skus for c in certs) else {}
        except OzonError as exc:
            raise ozon_error(exc, tr) from None
    _write(lambda: write_certificates(certs, offer_of, out))
    click.echo(tr.t("ozon.certificates.written", count=len(certs), path=str(out)))


def upload(folder: Path, api_url: str, yes: bool, upload_out: Path, params: dict) -> ExitCode:
    """`doccheck ozon upload`: scan FOLDER, then create each passing paper as an Ozon certificate
    and bind it to its SKUs (a dry run unless `yes`); the plan goes to the CSV `upload_out`.
    Returns OK, or SKU_DISABLED when Ozon refused or failed a step."""
    from ..paths import is_inside
    from ..pipeline import scan as run_scan
    from .certificates import fetch_certificates
    from .products import ozon_skus_for
    from ..reading.discover import files_by_shown_path
    from .upload import apply_plan, make_plan, passing_documents, summary, write_plan

    if is_inside(upload_out, folder):
        raise InputError(f"{upload_out} would be written inside the scanned folder {folder}; doccheck never writes there")
    request = prepare_scan(folder, params)
    _check_parent(upload_out)
    result = run_scan(request.options)
    ctx = request.context(result)
    tr = ctx.tr
    write_reports_or_fail(result, request.outputs, ctx)
    docs = passing_documents(result)
    files = files_by_shown_path(folder, request.options.rules.debris_files, request.options.rules.debris_dirs)
    with open_client(api_url, tr) as client:
        try:
            ozon_sku_of = ozon_skus_for(client, {d.offer_id for d in docs})
            existing = fetch_certificates(client, request.options.rules.ozon_types)
            plan = make_plan(docs, ozon_sku_of, existing)
            for step in plan.steps:
                click.echo(tr.t("ozon.upload.step", action=step.action, number=step.number, skus=", ".join(step.skus))
                           + (f"  ({i18n.render(step.message, tr)})" if step.message else ""))
            if plan.missing_skus:
                click.echo(tr.t("ozon.upload.missing_skus", skus=", ".join(sorted(set(plan.missing_skus)))))
            if not yes:
                _write(lambda: write_plan(plan, files, upload_out, ctx))
                click.echo(tr.t("ozon.upload.dry_run", path=str(upload_out)))
                return ExitCode.OK
            apply_plan(plan, client, files)
        except OzonError as exc:
            raise ozon_error(exc, tr) from None
    _write(lambda: write_plan(plan, files, upload_out, ctx))
    outcome = summary(plan)
    for kind in ("refused", "failed"):
        for step in outcome[kind]:
            click.echo(tr.t(f"ozon.upload.{kind}", number=step.number, skus=", ".join(step.skus),
                            message=i18n.render(step.message, tr)))
    click.echo(tr.t("ozon.upload.summary", path=str(upload_out), **{k: len(v) for k, v in outcome.items()}))
    return ExitCode.SKU_DISABLED if outcome["refused"] or outcome["failed"] else ExitCode.OK


def _check_parent(path: Path) -> None:
    """InputError when `path`'s folder does not exist."""
    if not path.parent.resolve().is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")


def _write(action) -> None:
    """Run a writing `action`; an OSError becomes a one-line InputError."""
    try:
        action()
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc} ({exc.filename})") from None
