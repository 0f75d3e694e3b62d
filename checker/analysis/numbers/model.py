"""What the number finders return: registration numbers and validity dates of conformity
documents, and the closed vocabularies they use (schemes, document types)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SCHEMES = ("eaeu", "customs_union", "ru_technical_regulation", "gost_r", "national", "voluntary",
           "state_registration", "medical_registration")
DOC_TYPES = ("certificate", "declaration")


@dataclass(frozen=True)
class ConformityNumber:
    """One registration number as found in a text (see finders.find_numbers): its official form,
    the raw text, scheme, document type, registering state, and whether it is well formed."""
    official: str        # canonical official form, e.g. "ЕАЭС N RU Д-CN.РА01.В.12345/24" (country codes Latin)
    raw: str             # as found in the text
    scheme: str          # "eaeu" | "customs_union" | "ru_technical_regulation" | "gost_r"
    doc_type: str        # "certificate" | "declaration"
    registered_in: str   # "RU", "BY", "KZ", "KG", "AM"
    well_formed: bool
    problem: str | None  # when not well formed: an i18n.Said of read.number.* messages (problems.problem, i18n.joined)
    position: int        # offset in the text (for pairing with dates)
    repairs: tuple[str, ...] = ()   # short English texts: what was changed on the way to the official form
    absent: tuple[str, ...] = ()    # optional fields of its layout that are not there ("year")
    core: int = -1                  # offset where the number proper starts (after prefix and N mark)


@dataclass(frozen=True)
class Validity:
    """A paper's dates as printed: valid from, valid until, registered (None when not read)."""
    valid_from: date | None
    valid_until: date | None
    registered: date | None


