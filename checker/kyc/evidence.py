"""One KYC file's evidence, read from its text: markers, zones, printed fields, periods, codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ..analysis.markers import LANGUAGES, MarkerRules, Prepared
from ..analysis.mrz import MrzZone, find_zones
from ..privacy import personal_ids
from .bank import BankCheck, find_bank_checks
from .facts import PrintedFields, UsccCheck, payment_periods, printed_fields, uscc_checks
from .notes import Note

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
        """The keys of the markers found, sorted."""
        return sorted(self.markers)

    def languages_of(self, marker: str) -> frozenset[str]:
        """The languages `marker` was found in; empty when it was not found."""
        return self.markers.get(marker, frozenset())

    def as_of(self, today: date) -> "KycEvidence":
        """This evidence as judged on `today`: payment periods after today's month left out (the
        evidence the cache keeps is read without a date, analyse_kyc_text(today=date.max))."""
        periods = frozenset(p for p in self.periods if p <= (today.year, today.month))
        return self if periods == self.periods else replace(self, periods=periods)

    def to_cache(self) -> dict[str, Any]:
        """Everything judging needs, as JSON values, for the cache (checker.cache, "KYC evidence"):
        check results, dates, marker keys, masked numbers and keyed hashes; never the text, a
        name, an MRZ line or an unmasked personal number. from_cache() reads it back."""
        return {"markers": {k: sorted(v) for k, v in sorted(self.markers.items())},
                "mrz": [{"doc_type": z.doc_type, "format": z.format, "issuer": z.issuer, "nationality": z.nationality,
                         "number_masked": z.number_masked, "expiry": z.expiry.isoformat() if z.expiry else None,
                         "failed": list(z.failed), "holder_key": z.holder_key, "birth_key": z.birth_key,
                         "number_key": z.number_key, "name_keys": sorted(z.name_keys),
                         "number_from_print": z.number_from_print, "passport_key": z.passport_key} for z in self.mrz],
                "bank": [{"account_masked": b.account_masked, "bik": b.bik, "ok": b.ok,
                          "problem": _note_to_cache(b.problem)} for b in self.bank],
                "text_languages": sorted(self.text_languages), "periods": sorted(self.periods),
                "masked_ids": list(self.masked_ids),
                "printed": {"expiry": [d.isoformat() for d in self.printed.expiry],
                            "birth_keys": sorted(self.printed.birth_keys), "number_keys": sorted(self.printed.number_keys),
                            "name_keys": sorted(self.printed.name_keys)},
                "uscc": [{"code": u.code, "ok": u.ok, "expected": u.expected} for u in self.uscc]}

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> "KycEvidence":
        """The evidence to_cache() wrote. Raises KeyError, TypeError or ValueError for a row of
        another shape (the cache treats that as a miss)."""
        printed = data["printed"]
        return cls(
            markers={k: frozenset(v) for k, v in data["markers"].items()},
            mrz=[MrzZone(doc_type=z["doc_type"], format=z["format"], issuer=z["issuer"], nationality=z["nationality"],
                         number_masked=z["number_masked"], expiry=_date(z["expiry"]), failed=tuple(z["failed"]),
                         holder_key=z["holder_key"], birth_key=z["birth_key"], number_key=z["number_key"],
                         name_keys=frozenset(z["name_keys"]), number_from_print=bool(z["number_from_print"]),
                         passport_key=z["passport_key"]) for z in data["mrz"]],
            bank=[BankCheck(b["account_masked"], b["bik"], bool(b["ok"]), _note_from_cache(b["problem"])) for b in data["bank"]],
            text_languages=frozenset(data["text_languages"]),
            periods=frozenset((int(y), int(m)) for y, m in data["periods"]),
            masked_ids=[str(i) for i in data["masked_ids"]],
            printed=PrintedFields(tuple(_date(d) for d in printed["expiry"]), frozenset(printed["birth_keys"]),
                                  frozenset(printed["number_keys"]), name_keys=frozenset(printed["name_keys"])),
            uscc=[UsccCheck(u["code"], bool(u["ok"]), u["expected"]) for u in data["uscc"]])

    def to_dict(self) -> dict:
        """The evidence as JSON values safe to show: markers with their languages, zones and bank checks
        (their to_dict()), text languages, the latest payment month ("YYYY-MM", None), printed expiry
        dates, USCC checks and masked ids; no keyed hash (to_cache() is what the cache keeps)."""
        return {"markers": {k: sorted(v, key=_lang_order) for k, v in sorted(self.markers.items())},
                "mrz": [z.to_dict() for z in self.mrz], "bank": [b.to_dict() for b in self.bank],
                "text_languages": sorted(self.text_languages, key=_lang_order),
                "latest_month": "%04d-%02d" % self.latest_month if self.latest_month else None,
                "printed_expiry": [d.isoformat() for d in self.printed.expiry],
                "uscc": [u.to_dict() for u in self.uscc],
                "masked_ids": list(self.masked_ids)}


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _note_to_cache(note: Note | None) -> dict[str, Any] | None:
    """A bank check's note (a message id with plain values) as JSON."""
    if note is None:
        return None
    return {"id": note.id, "args": {k: v for k, v in note.args}, "default": note.default}


def _note_from_cache(data: dict[str, Any] | None) -> Note | None:
    if data is None:
        return None
    if not all(isinstance(v, (str, int, float)) for v in data["args"].values()):
        raise TypeError("a cached note's values are plain")
    return Note.of(data["id"], default=data["default"], **data["args"])


def analyse_kyc_text(text: str, russian_share: float, languages: Iterable[str] | str | None,
                     marker_rules: MarkerRules, *, today: date | None = None,
                     russian_min_share: float = RUSSIAN_MIN_SHARE, key: bytes | None = None) -> KycEvidence:
    """One file's KYC evidence. `languages`: the language(s) detected for the text (ISO 639-1);
    Russian also counts when `russian_share` (share of Cyrillic letters) reaches russian_min_share.
    `today`: payment periods after its month are left out (date.max: none, see as_of()).
    `key`: the holder key of the identity hashes (mrz.identity_key; None: this process's own)."""
    today = today or date.today()
    text = text or ""
    if isinstance(languages, str):
        languages = [languages] if languages else []
    text_languages = {lang for lang in (languages or ()) if lang}
    if russian_share >= russian_min_share and text.strip():
        text_languages.add("ru")
    zones = find_zones(text, key)
    ids = [f"{z.doc_type} {z.number_masked}" for z in zones]
    ids += [i for i in personal_ids(text) if i not in ids]
    return KycEvidence(
        markers=marker_rules.match(Prepared.of(text)),
        mrz=zones,
        bank=find_bank_checks(text),
        text_languages=frozenset(text_languages),
        periods=frozenset(payment_periods(text, today)),
        masked_ids=list(dict.fromkeys(ids)),
        printed=printed_fields(text, key),
        uscc=uscc_checks(text),
    )
