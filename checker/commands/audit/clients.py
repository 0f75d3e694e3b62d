"""Finding the client folders of CLIENTS and naming each one's report folder under OUT safely."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ... import i18n
from ...app.setup import DEFAULT_SKUS
from ...paths import is_inside
from ...rules import Rules
from .config import CONFIG_FILE
from .summary import SUMMARY_FILE

# Report file names inside OUT/<client>/, by writer option. A writer added to the registry later
# gets a name from its option (see report_file_name).
REPORT_FILES = {"--out": "report.csv", "--files-out": "files.csv", "--kyc-out": "kyc.csv",
                "--ozon-sheet": "ozon-sheet.csv", "--html": "report.html", "--json": "report.json",
                "--xlsx": "report.xlsx"}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def looks_like_one_batch(clients_dir: Path) -> str | None:
    """A folder with a skus.csv or doccheck.toml of its own is one client's batch, not a folder of
    clients: the name of that file, else None."""
    return next((name for name in (DEFAULT_SKUS, CONFIG_FILE) if (clients_dir / name).is_file()), None)


def find_clients(clients_dir: Path, rules: Rules, tr: i18n.Translator | None = None) -> list[tuple[str, Path, str]]:
    """(name, folder, problem) per client folder, sorted by name; problem is "" for a usable folder
    (else one line in `tr`'s language: a link to a folder outside CLIENTS).

    Hidden folders and sync debris folders are not clients; neither are loose files."""
    from ...reading.discover import is_debris

    tr = tr or i18n.Translator(messages=rules.messages)
    clients = []
    for entry in sorted(os.scandir(clients_dir), key=lambda e: (e.name.casefold(), e.name)):
        if entry.name.startswith(".") or is_debris(entry.name, tuple(rules.debris_dirs)):
            continue
        path = Path(entry.path)
        try:
            if not entry.is_dir(follow_symlinks=True):
                continue
        except OSError:
            continue
        problem = ""
        if entry.is_symlink() and not is_inside(path, clients_dir):
            problem = tr.t("audit.err.link_outside", path=str(clients_dir))
        clients.append((entry.name, path, problem))
    return clients


def safe_folder_name(name: str) -> str:
    """A folder name that stays one plain folder inside OUT on any system: no separators, no
    control or Windows-reserved characters, not hidden, not '.' or '..'."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().rstrip(". ")
    if cleaned.startswith("."):
        cleaned = "_" + cleaned.lstrip(".")
    return cleaned or "client"


def allocate_folder(name: str, out_dir: Path, clients_dir: Path, taken: set[str]) -> Path:
    """OUT/<safe name>, unique (case-insensitively, for macOS and Windows), never inside CLIENTS."""
    base = safe_folder_name(name)
    candidate, n = base, 1
    while True:
        target = out_dir / candidate
        key = candidate.casefold()
        inside_out = is_inside(target, out_dir) and os.path.realpath(target) != os.path.realpath(out_dir)
        if key not in taken and key != SUMMARY_FILE and inside_out and not is_inside(target, clients_dir):
            taken.add(key)
            return target
        n += 1
        candidate = f"{base}-{n}"


def report_file_name(option: str) -> str:
    """The file name of writer `option`'s report inside OUT/<client>/ (report.csv, report.html, …)."""
    known = REPORT_FILES.get(option)
    if known:
        return known
    stem = option.lstrip("-")
    return re.sub(r"-out$", "", stem) + ".csv"
