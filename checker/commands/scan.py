"""doccheck scan FOLDER: scan one batch, write the reports, give the exit status."""

from __future__ import annotations

from pathlib import Path

from ..app.outcome import finish_scan
from ..app.setup import prepare_scan, rule_errors_as_input_errors
from ..codes import ExitCode


def run_scan(folder: Path, params: dict, *, with_ozon: bool = False, api_url: str | None = None) -> ExitCode:
    """`doccheck scan`: the scan that `params` (cli.scan_options) describe, with Ozon's moderation
    verdicts added when `with_ozon` (from `api_url`, default Ozon's production API); returns the
    exit status (ExitCode). InputError on bad options or input."""
    from ..pipeline import scan

    request = prepare_scan(folder, params)
    with rule_errors_as_input_errors():
        result = scan(request.options)
    if with_ozon:
        from ..ozon import DEFAULT_API_URL
        from ..ozon.commands import fetch_moderation

        result = fetch_moderation(result, request.options.rules, api_url or DEFAULT_API_URL, request.options.lang)
    return finish_scan(result, request)
