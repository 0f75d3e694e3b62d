"""doccheck config FOLDER: the settings a scan of FOLDER would use and where each comes from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..app.setup import DEFAULT_SKUS


def show_config(folder: Path, params: dict, echo: Callable[[str], None] = click.echo) -> None:
    """One line per setting: `key = value  # where` (the command line, FOLDER/doccheck.toml or
    --config FILE with its line, "found in the folder", or the default). Nothing is scanned."""
    from ..config import SETTINGS, apply_config

    ctx = click.get_current_context()
    sources = apply_config(ctx, folder, params, params.get("config"))
    if params.get("skus_csv") is None and (folder / DEFAULT_SKUS).is_file():
        params["skus_csv"], sources["skus_csv"].where = folder / DEFAULT_SKUS, "found in the folder"
    rows = []
    for setting in SETTINGS:
        value = params.get(setting.param)
        if hasattr(value, "date") and callable(value.date):
            value = value.date().isoformat()
        shown = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        rows.append((setting.key, shown or "-", sources[setting.param].where))
    key_width = max(len(k) for k, _, _ in rows)
    value_width = max(len(v) for _, v, _ in rows)
    for key, value, where in rows:
        echo(f"{key:<{key_width}} = {value:<{value_width}}  # {where}")
