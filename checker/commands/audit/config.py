"""A client's doccheck.toml: the keys a client may set for itself, over the command line's defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ... import i18n
from ...app.setup import DEFAULT_SKUS
from ...paths import is_inside
from .model import AuditSettings, ClientError

CONFIG_FILE = "doccheck.toml"
CONFIG_KEYS = ("seller_type", "skus", "today", "lang", "no_ocr")


@dataclass
class ClientConfig:
    """One client's effective settings, and the warnings reading its doccheck.toml gave."""
    seller_type: str
    skus: Path | None
    today: date
    lang: str
    ocr: bool
    warnings: list[str] = field(default_factory=list)


def read_config(folder: Path, settings: AuditSettings) -> ClientConfig:
    """The client's doccheck.toml over the command line's defaults; ClientError (one line, in the
    run's language, naming the file and line) when it is wrong."""
    tr = settings.translator
    path = folder / CONFIG_FILE
    data: dict = {}
    if os.path.lexists(path):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ClientError(tr.t("audit.err.config_syntax", file=CONFIG_FILE, problem=str(exc))) from None
        except UnicodeDecodeError:
            raise ClientError(tr.t("audit.err.config_syntax", file=CONFIG_FILE, problem="not UTF-8")) from None
        except OSError as exc:
            raise ClientError(tr.t("audit.err.config_unreadable", file=CONFIG_FILE, problem=exc.strerror or str(exc))) from None
    from ...config import BY_KEY, flatten, key_lines

    warnings: list[str] = []
    lines = key_lines(path.read_text(encoding="utf-8")) if data else {}
    for key in flatten(data):
        if key not in CONFIG_KEYS:
            if key in BY_KEY:       # a scan setting that the audit's command line sets for every client
                warnings.append(tr.t("audit.warn.config_run_wide", file=f"{CONFIG_FILE}:{lines.get(key, 1)}", key=key))
                continue
            raise ClientError(tr.t("audit.err.config_key", file=f"{CONFIG_FILE}:{lines.get(key.split('.')[0], 1)}",
                                   key=key, known=", ".join(CONFIG_KEYS)))

    def bad(key: str, expected: str) -> ClientError:
        return ClientError(tr.t("audit.err.config_value", file=CONFIG_FILE, key=key, expected=expected, value=repr(data[key])))

    seller_type = settings.seller_type
    if "seller_type" in data:
        try:
            if not isinstance(data["seller_type"], str):
                raise ValueError
            seller_type = settings.rules.kyc.profile(data["seller_type"]).name   # aliases too: "ИП", "个体户"
        except ValueError:
            raise bad("seller_type", " | ".join(settings.rules.kyc.profiles)) from None
    today = settings.today
    if "today" in data:
        value = data["today"]
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value) if "-" in value else datetime.strptime(value, "%d.%m.%Y").date()
            except ValueError:
                raise bad("today", "YYYY-MM-DD") from None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise bad("today", "YYYY-MM-DD")
        today = value
    lang = settings.lang
    if "lang" in data:
        if data["lang"] not in i18n.LANGS:
            raise bad("lang", " | ".join(i18n.LANGS))
        lang = data["lang"]
    ocr = settings.ocr
    if "no_ocr" in data:
        if not isinstance(data["no_ocr"], bool):
            raise bad("no_ocr", "true | false")
        ocr = ocr and not data["no_ocr"]
    if "skus" in data:
        value = data["skus"]
        if not isinstance(value, str) or not value.strip():
            raise bad("skus", "a file name")
        skus = folder / value
        if Path(value).is_absolute() or not is_inside(skus, folder):
            raise ClientError(tr.t("audit.err.skus_outside", file=CONFIG_FILE, value=repr(value)))
        if not skus.is_file():
            raise ClientError(tr.t("audit.err.skus_missing", path=value))
    else:
        skus = folder / DEFAULT_SKUS
        if not skus.is_file():
            skus = None
            warnings.append(tr.t("audit.warn.no_skus", file=DEFAULT_SKUS))
    return ClientConfig(seller_type, skus, today, lang, ocr, warnings)
