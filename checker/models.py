"""The results model that flows through the pipeline.

FileFacts is what reading a file costs (type, structure, text, OCR): a pure function of the
file's bytes and the extractor settings, so it can run in a pool and be cached by content hash.
Everything after it (language, numbers, verdicts) is recomputed from facts and rules each run.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from .codes import ChatStatus, ReasonCode

EXTRACTOR_VERSION = "2"   # bump when extraction changes what it finds: cached facts are then re-read


@dataclass(frozen=True)
class ExtractSettings:
    """What reading a file depends on besides its bytes; key() is part of the facts' cache key."""
    ocr: bool = True
    profile: str = "product"          # "product" or "kyc": which languages OCR tries first
    dpi: int = 300
    page_timeout: float = 60.0
    pages_first: int = 3
    pages_sample: int = 2
    max_frames: int = 5
    engine: str = ""                  # OCR engine version and language data: new data, new facts

    def key(self) -> str:
        return self._key

    @functools.cached_property
    def _key(self) -> str:   # asked for once per file per run: built once
        fields = ",".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))
        return f"v{EXTRACTOR_VERSION}:{fields}"


class FileKind(str, Enum):
    TEXT_PDF = "text_pdf"          # every read page has a text layer
    SCANNED_PDF = "scanned_pdf"    # no read page has a text layer
    MIXED_PDF = "mixed_pdf"        # some pages text, some image-only
    IMAGE = "image"                # JPEG, PNG, TIFF...
    DOCUMENT = "document"          # Word, Excel, ODF, RTF, plain text
    ARCHIVE = "archive"
    OTHER = "other"
    EMPTY = "empty"
    ENCRYPTED_PDF = "encrypted_pdf"
    UNREADABLE = "unreadable"      # corrupt or truncated


class Group(str, Enum):
    SKU = "sku"
    KYC = "kyc"
    UNMAPPED = "unmapped"


@dataclass
class PageText:
    number: int                     # 1-based page number
    source: str                     # "text" (text layer), "ocr", or "none" (not read)
    text: str = ""
    ocr_confidence: float | None = None
    rotation: int = 0               # degrees the page was turned before OCR
    ocr_langs: str = ""
    note: str = ""                  # e.g. "OCR timed out after 30 s"


@dataclass
class FileFacts:
    sha256: str
    size: int
    mime: str
    kind: FileKind
    page_count: int | None = None
    pages: list[PageText] = field(default_factory=list)
    problem: str = ""               # why the file cannot be read (empty, encrypted, truncated...)
    notes: list[str] = field(default_factory=list)
    extractor: str = ""             # extractor version + settings, part of the cache key
    # langdetect's probabilities for the text: costly (n-grams), so computed once with the text and cached
    language_probs: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def text(self) -> str:
        # Asked for by every later stage; facts are not changed once read, so joined once.
        return "\n".join(p.text for p in self.pages if p.text)

    @property
    def pages_read(self) -> int:
        return sum(1 for p in self.pages if p.source != "none")

    @property
    def ocr_pages(self) -> list[PageText]:
        return [p for p in self.pages if p.source == "ocr"]

    @property
    def unread_pages(self) -> list[PageText]:
        return [p for p in self.pages if p.source == "none"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileFacts":
        data = dict(data)
        data["kind"] = FileKind(data["kind"])
        data["pages"] = [PageText(**p) for p in data.get("pages", [])]
        return cls(**data)


@dataclass(slots=True)   # one or more per SKU: a million-row list holds millions (docs/hostile-input.md)
class Finding:
    code: ReasonCode
    detail: str = ""                # one plain sentence about this file or SKU


@dataclass
class DocumentNumber:
    """A conformity document number as the report shows it."""
    official: str
    scheme: str
    doc_type: str
    well_formed: bool
    problem: str | None = None


@dataclass
class FileAnalysis:
    """What the text says (language, numbers, dates) and what the file is for, derived from
    FileFacts + rules. The text part is cached next to the facts, keyed by the rules and code too."""
    language: str = ""              # ISO 639-1 or "" when no text
    russian_share: float = 0.0      # share of letters that are Cyrillic
    russian: bool = False           # Russian by the rules' thresholds (Cyrillic share, langdetect agreeing)
    numbers: list[DocumentNumber] = field(default_factory=list)
    title: str | None = None        # "certificate" | "declaration" from the wording
    valid_from: date | None = None
    valid_until: date | None = None
    registered: date | None = None
    regulations: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)   # KYC evidence marker keys found
    role: str = "other"             # "conformity", "manual", "kyc", "other"
    masked_ids: list[str] = field(default_factory=list)  # personal ids found, already masked

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("valid_from", "valid_until", "registered"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileAnalysis":
        data = dict(data)
        for key in ("valid_from", "valid_until", "registered"):
            data[key] = date.fromisoformat(data[key]) if data[key] else None
        data["numbers"] = [DocumentNumber(**n) for n in data.get("numbers", [])]
        return cls(**data)


@dataclass
class FileResult:
    path: str                       # relative to the scanned folder, '/' separated
    name: str
    group: Group
    sku: str | None
    facts: FileFacts
    analysis: FileAnalysis = field(default_factory=FileAnalysis)
    findings: list[Finding] = field(default_factory=list)
    counted: bool = False           # counts toward the SKU's requirements

    @property
    def codes(self) -> list[ReasonCode]:
        return [f.code for f in self.findings]

    @property
    def blocked(self) -> bool:
        return any(f.code.blocking for f in self.findings)


@dataclass(slots=True)   # one per row of the SKU list, which may have a million rows
class SkuResult:
    sku: str
    category_input: str = ""        # as written in the user's CSV
    category: str | None = None     # rule key, None when unknown
    row: dict[str, str] = field(default_factory=dict)  # the user's CSV row, all columns
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    status: ChatStatus = ChatStatus.OK

    @property
    def codes(self) -> list[ReasonCode]:
        seen: list[ReasonCode] = []
        for f in self.findings:
            if f.code not in seen:
                seen.append(f.code)
        return seen


@dataclass
class KycRequirement:
    key: str
    title: str
    met: bool
    evidence: list[str] = field(default_factory=list)   # relative paths
    note: str = ""


@dataclass
class KycResult:
    judged: bool                    # False when there is no KYC folder
    profile: str
    folders: list[str] = field(default_factory=list)
    requirements: list[KycRequirement] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.judged and all(r.met for r in self.requirements)


@dataclass
class SkippedEntry:
    path: str
    reason: str                     # "debris", "link outside folder", "link loop", "special file"...


@dataclass
class ScanStats:
    files: int = 0
    pages_ocr: int = 0
    cache_hits: int = 0
    seconds: float = 0.0


@dataclass
class ScanResult:
    root: str
    today: date
    seller_type: str
    skus: list[SkuResult]
    files: list[FileResult]
    kyc: KycResult
    skipped: list[SkippedEntry] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    warnings: list[str] = field(default_factory=list)
