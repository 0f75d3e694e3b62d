"""The click commands that talk to Ozon (`doccheck ozon products|certificates|upload`) and
`doccheck export`; cli.py registers them. Errors are one line (exit 2), never a traceback, and
never show the credentials."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..codes import ExitCode
from .client import DEFAULT_API_URL, Credentials, OzonClient, OzonError

API_URL_OPTION = click.option("--api-url", default=DEFAULT_API_URL, show_default=True, metavar="URL",
                              help="Seller API base URL (for tests and sandboxes).")


def open_client(api_url: str, tr=None) -> OzonClient:
    """A client from OZON_CLIENT_ID / OZON_API_KEY; a missing variable is a one-line error (in
    `tr`'s language, a checker.i18n.Translator; None: English)."""
    try:
        return OzonClient(Credentials.from_env(), api_url)
    except OzonError as exc:
        raise ozon_error(exc, tr) from None


def ozon_error(exc: OzonError, tr=None):
    """The OzonError as the CLI's one-line error in `tr`'s language (a checker.i18n.Translator;
    None: English); its text is already free of credentials."""
    from .. import i18n
    from ..cli import InputError

    return InputError(i18n.render(exc, i18n.translator(tr)))


def _cache_dir(params_cache_dir, no_cache):
    if no_cache:
        return None
    from ..cache import default_cache_dir

    return params_cache_dir or default_cache_dir()


def fetch_moderation(result, rules, api_url: str, lang: str):
    """scan --ozon: the scan result with Ozon's verdicts added (certificates.annotate)."""
    from .certificates import annotate, fetch_certificates, moderation_for
    from .. import i18n
    from .products import ozon_skus_for

    tr = i18n.Translator(lang, rules.messages)
    with open_client(api_url, tr) as client:
        try:
            ozon_sku_of = ozon_skus_for(client, [s.sku for s in result.skus])
            certs = fetch_certificates(client, rules.ozon_types)
        except OzonError as exc:
            raise ozon_error(exc, tr) from None
    return annotate(result, moderation_for(certs, ozon_sku_of), rules, lang)


def register(cli: click.Group, scan_options, prepare_scan, write_reports, lang_option, load_rules, default_lang) -> None:
    """Add `ozon …` and `export` to the doccheck command group."""

    @cli.group()
    def ozon() -> None:
        """Ozon's Seller API: the product list, moderation's verdicts, uploading the papers that pass.
        Needs OZON_CLIENT_ID and OZON_API_KEY in the environment (docs/ozon-api.md)."""

    @ozon.command("products")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Where to write the list: .csv (a valid --skus list) or .xlsx.")
    @API_URL_OPTION
    @click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the category tree is cached for a day.")
    @click.option("--no-cache", is_flag=True, help="Fetch the category tree afresh and keep no copy.")
    @lang_option
    def products_cmd(out: Path, api_url: str, cache_dir, no_cache, lang) -> None:
        """Every product of the account: sku (offer_id), ozon_sku, product_id, name, brand, category
        (Ozon's type name in Russian) and category_path."""
        from .. import i18n
        from .products import fetch_products, write_products

        tr = i18n.Translator(lang or default_lang())
        _check_parent(out)
        with open_client(api_url, tr) as client:
            try:
                products = fetch_products(client, _cache_dir(cache_dir, no_cache))
            except OzonError as exc:
                raise ozon_error(exc, tr) from None
        _write(lambda: write_products(products, out))
        click.echo(tr.t("ozon.products.written", count=len(products), path=str(out)))

    @ozon.command("certificates")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV to write.")
    @API_URL_OPTION
    @click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR.")
    @lang_option
    def certificates_cmd(out: Path, api_url: str, rules_dir, lang) -> None:
        """The account's certificates: number, type, status, moderation's verdict, rejection reasons
        and the SKUs each is bound to."""
        from .. import i18n
        from .certificates import fetch_certificates, write_certificates
        from .products import fetch_products

        rules = load_rules(rules_dir)
        tr = i18n.Translator(lang or default_lang(), rules.messages)
        _check_parent(out)
        with open_client(api_url, tr) as client:
            try:
                certs = fetch_certificates(client, rules.ozon_types)
                offer_of = {p.ozon_sku: p.sku for p in fetch_products(client, None)} if any(c.ozon_skus for c in certs) else {}
            except OzonError as exc:
                raise ozon_error(exc, tr) from None
        _write(lambda: write_certificates(certs, offer_of, out))
        click.echo(tr.t("ozon.certificates.written", count=len(certs), path=str(out)))

    @ozon.command("upload")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @scan_options
    @API_URL_OPTION
    @click.option("--yes", is_flag=True, help="Send to Ozon. Without it: a dry run that only shows what would be sent.")
    @click.option("--upload-out", type=click.Path(dir_okay=False, path_type=Path), default=Path("doccheck-upload.csv"),
                  show_default=True, help="CSV of what is (or would be) sent, request by request, without the files' bytes.")
    def upload_cmd(folder: Path, api_url: str, yes: bool, upload_out: Path, **params) -> None:
        """Scan FOLDER, then create each passing paper as an Ozon certificate (v2 create) and bind it
        to its SKUs. A dry run unless --yes; a number already on the account is bound, not created again."""
        from .. import i18n
        from ..pipeline import scan as run_scan
        from ..report.output import is_inside
        from .certificates import fetch_certificates
        from .products import ozon_skus_for
        from .upload import apply_plan, make_plan, passing_documents, summary, write_plan

        if is_inside(upload_out, folder):
            from ..cli import InputError

            raise InputError(f"{upload_out} would be written inside the scanned folder {folder}; doccheck never writes there")
        request = prepare_scan(folder, params)
        _check_parent(upload_out)
        result = run_scan(request.options)
        ctx = request.context(result)
        tr = ctx.tr
        write_reports(result, request.outputs, ctx)
        docs = passing_documents(result)
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
                    _write(lambda: write_plan(plan, folder, upload_out, ctx))
                    click.echo(tr.t("ozon.upload.dry_run", path=str(upload_out)))
                    sys.exit(ExitCode.OK)
                apply_plan(plan, client, folder)
            except OzonError as exc:
                raise ozon_error(exc, tr) from None
        _write(lambda: write_plan(plan, folder, upload_out, ctx))
        outcome = summary(plan)
        for kind in ("refused", "failed"):
            for step in outcome[kind]:
                click.echo(tr.t(f"ozon.upload.{kind}", number=step.number, skus=", ".join(step.skus),
                                message=i18n.render(step.message, tr)))
        click.echo(tr.t("ozon.upload.summary", path=str(upload_out), **{k: len(v) for k, v in outcome.items()}))
        sys.exit(ExitCode.SKU_DISABLED if outcome["refused"] or outcome["failed"] else ExitCode.OK)

    @cli.command("export")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--to", "to", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="A new or empty folder for the upload-ready copy (never inside FOLDER).")
    @scan_options
    def export_cmd(folder: Path, to: Path, **params) -> None:
        """Scan FOLDER, then write an upload-ready copy into OUT: per SKU, only the papers that
        count, named as Ozon needs them, with a README.txt checklist in --lang."""
        from .. import i18n
        from ..cli import InputError
        from ..commands.export import ExportError, check_out, export
        from ..pipeline import scan as run_scan

        out = to
        try:
            check_out(out, folder)
        except ExportError as exc:
            raise InputError(i18n.render(exc, i18n.Translator(params.get("lang") or default_lang()))) from None
        request = prepare_scan(folder, params)
        result = run_scan(request.options)
        ctx = request.context(result)
        write_reports(result, request.outputs, ctx)
        try:
            done = export(result, folder, out, ctx.tr)
        except ExportError as exc:
            raise InputError(i18n.render(exc, ctx.tr)) from None
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        click.echo(ctx.tr.t("export.done", files=sum(len(d.files) for d in done), skus=len(done), out=str(out)))


def _check_parent(path: Path) -> None:
    from ..cli import InputError

    if not path.parent.resolve().is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")


def _write(action) -> None:
    from ..cli import InputError

    try:
        action()
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc} ({exc.filename})") from None
