"""One KYC file's evidence, read from its text: markers, zones, printed fields, periods, codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..analysis.markers import LANGUAGES, MarkerRules, Prepared
from ..analysis.mrz import MrzZone, find_zones
from ..privacy import personal_ids
from .bank import BankCheck, find_bank_checks
from .facts import PrintedFields, UsccCheck, payment_periods, printed_fields, uscc_checks

RUSSIAN_MIN_SHARE = 0.35


def _lang_order(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES)


@dataclass
class KycEvidence:
    """What one file's text shows for KYC. Safe to print: no full personal number in any field
    (zones and printed fields carry masked numbers and keyed hashes; names are left out of repr)."""
    markers: dict[str, frozenset[str]] = field(default_factory=dict)   # marker key -> languages matched
    mrz: list[MrzZone] = field(default_factory=list)
    bank: list[BankCheck] = field(default_factory=list)
    text_languages: frozenset[str] = frozenset()
    periods: frozenset[tuple[int, int]] = frozenset()   # (year, month) the payments are for
    masked_ids: list[str] = field(default_factory=list)
    printed: PrintedFields = field(default_factory=PrintedFields)
    uscc: list[UsccCheck] = field(default_factory=list)

    @property
    def latest_month(self) -> tuple[int, int] | None:
        """The latest payment period, None when no period could be read."""
        return max(self.periods) if self.periods else None

    @property
    def marker_keys(self) -> list[str]:
        return sorted(self.markers)

    def languages_of(self, marker: str) -> frozenset[str]:
        return self.markers.get(marker, frozenset())

    def to_dict(self) -> dict:
        return {"markers": {k: sorted(v, key=_lang_order) for k, v in sorted(self.markers.items())},
                "mrz": [z.to_dict() for z in self.mrz], "bank": [b.to_dict() for b in self.bank],
                "text_languages": sorted(self.text_languages, key=_lang_order),
                "latest_month": "%04d-%02d" % self.latest_month if self.latest_month else None,
                "printed_expiry": [d.isoformat() for d in self.printed.expiry],
                "uscc": [u.to_dict() for u in self.uscc],
                "masked_ids": list(self.masked_ids)}


def analyse_kyc_text(text: str, russian_share: float, languages: Iterable[str] | str | None,
                     marker_rules: MarkerRules, *, today: date | None = None,
                     russian_min_share: float = RUSSIAN_MIN_SHARE) -> KycEvidence:
    """One file's KYC evidence. `languages`: the language(s) detected for the text (ISO 639-1);
    Russian also counts when `russian_share` (share of Cyrillic letters) reaches russian_min_share."""
    today = today or date.today()
    text = text or ""
    if isinstance(languages, str):
        languages = [languages] if languages else []
    text_languages = {lang for lang in (languages or ()) if lang}
    if russian_share >= russian_min_share and text.strip():
        text_languages.add("ru")
    zones = find_zones(text)
    ids = [f"{z.doc_type} {z.number_masked}" for z in zones]
    ids += [i for i in personal_ids(text) if i not in ids]
    return KycEvidence(
        markers=marker_rules.match(Prepared.of(text)),
        mrz=zones,
        bank=find_bank_checks(text),
        text_languages=frozenset(text_languages),
        periods=frozenset(payment_periods(text, today)),
        masked_ids=list(dict.fromkeys(ids)),
        printed=printed_fields(text),
        uscc=uscc_checks(text),
    )
