"""The results model that flows through the pipeline.

FileFacts is what reading a file costs (type, structure, text, OCR): a pure function of the
file's bytes and the extractor settings, so it can run in a pool and be cached by content hash.
Everything after it (language, numbers, verdicts) is recomputed from facts and rules each run.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from .codes import ChatStatus, ReasonCode
from .i18n import Said, from_data, to_data
from .reading.engines.base import OcrWorkspace
from .reading.textlayer import LayerLimits

if TYPE_CHECKING:
    from .reading.enough import ReadingNeeds

# The label that starts ExtractSettings.key() (and so every report's facts.extractor). It is no
# longer bumped by hand: the facts' cache key adds a digest of the reading code itself
# (checker/cache_keys.py), so an edit to the reading code re-reads files by itself. Kept, frozen,
# so that reports and existing cache rows keep their shape.
EXTRACTOR_VERSION = "4"


@dataclass(frozen=True)
class ExtractSettings:
    """What reading a file depends on besides its bytes and the reading code; key() describes it
    (shown in the JSON report as facts.extractor) and, with the reading code's digest
    (cache_keys.facts_key), keys the cached facts. ``workspace`` says where and how many pages at
    once, never what is read: it is left out of key() and of equality."""
    ocr: bool = True
    profile: str = "product"          # "product" or "kyc": which languages OCR tries first
    dpi: int = 300
    page_timeout: float = 60.0
    pages_first: int = 3
    pages_sample: int = 2
    max_frames: int = 5
    engine: str = ""                  # OCR engine version and language data: new data, new facts
    text_layer: LayerLimits = LayerLimits()   # rules/limits.yaml text_layer: when a page's layer reads as text
    needs: "ReadingNeeds | None" = None       # when a product paper's read may stop (reading/enough.py); None: read every page that may be read
    workspace: OcrWorkspace = field(default=OcrWorkspace(), compare=False, repr=False)   # set by the executor

    def key(self) -> str:
        """``"v4:dpi=300,engine=tesseract 5.3.0 [...],...,text_layer={...}"``: every setting but the
        workspace, sorted by name."""
        return self._key

    @functools.cached_property
    def _key(self) -> str:   # asked for once per file per run: built once
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "workspace"}
        values["text_layer"] = asdict(self.text_layer)
        values["needs"] = self.needs.key if self.needs is not None else None
        fields_ = ",".join(f"{k}={v}" for k, v in sorted(values.items()))
        return f"v{EXTRACTOR_VERSION}:{fields_}"


class FileKind(str, Enum):
    """What a file is, by its content (reading.sniff.kind_for_mime) and, for a PDF, by which of the
    pages read have a text layer; FileFacts.kind and the files report's `kind` column."""
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
    """What a file is judged for (mapping.assign.SkuMapper.assign): a SKU's paper (by its folder, or its
    name against the SKU list), a KYC paper (under a folder named KYC), or neither ("unmapped")."""
    SKU = "sku"
    KYC = "kyc"
    UNMAPPED = "unmapped"


# A page's note saying it went unread only because OCR was off (--no-ocr), as the rules/messages.yaml
# ids reading says it with (reading/extract.py): an image page, a scanned PDF page, a PDF page whose
# text layer is junk. Judging tells "not read" from "blank" by them (judging/file.illegible).
OCR_OFF_PAGE = "read.ocr_off_page"
OCR_OFF_IMAGE = "read.ocr_off_image"
LAYER_UNREADABLE_NO_OCR = "read.layer_unreadable_no_ocr"
OCR_OFF_NOTES = frozenset({OCR_OFF_PAGE, OCR_OFF_IMAGE, LAYER_UNREADABLE_NO_OCR})


@dataclass
class PageText:
    """One page of a file as read. number: 1-based; source: from the text layer, by OCR, or not read;
    text: what was read ("" when nothing); ocr_confidence: tesseract's mean word confidence, 0-100
    (None unless OCR'd); rotation: degrees turned before OCR; ocr_langs: tesseract's languages of the
    read ("rus+eng"); note: what reading the page noted (not read, timed out, hidden text); dpi: the
    resolution an OCR'd page was read at; timed_out: OCR hit the page time limit; word_boxes: each
    OCR word's span and confidence in `text`."""
    number: int                     # 1-based page number
    source: str                     # "text" (text layer), "ocr", or "none" (not read)
    text: str = ""
    ocr_confidence: float | None = None
    rotation: int = 0               # degrees the page was turned before OCR
    ocr_langs: str = ""
    # e.g. "OCR timed out after 30 s": a Said (read.* message id and arguments; i18n.joined for two)
    note: Said | str = ""
    dpi: int | None = None          # OCR'd PDF pages: the resolution the page was read at (its scan's own)
    timed_out: bool = False         # OCR hit the page time limit: a passing condition (a busy machine), never cached
    # OCR'd pages: each word's [start, end) offset in `text` and tesseract's confidence (0-100),
    # flat: [start, end, conf, start, end, conf, …]; the evidence behind a number read by OCR
    word_boxes: list[int] = field(default_factory=list)


@dataclass
class FileFacts:
    """What reading one file found, a pure function of its bytes and the ExtractSettings (cached by
    content hash). sha256: hex digest of the bytes ("" when they could not be read); size: bytes;
    mime: the type by content (python-magic); kind: FileKind; page_count: pages or image frames (None
    when not a PDF or image, or not opened); pages: the pages read, PageText each; problem: why the
    file cannot be read ("" when it can); notes: what reading noted; extractor: ExtractSettings.key();
    language_probs: langdetect's language -> probability for the text."""
    sha256: str
    size: int
    mime: str
    kind: FileKind
    page_count: int | None = None
    pages: list[PageText] = field(default_factory=list)
    # why the file cannot be read (empty, encrypted, truncated...) and what reading it noted: message
    # ids and arguments (i18n.Said, rules/messages.yaml read.*), stored as such (i18n.to_data), so the
    # cached facts hold no language; plain text only for words not ours (a worker's exception)
    problem: Said | str = ""
    notes: list[Said | str] = field(default_factory=list)
    extractor: str = ""             # extractor version + settings, part of the cache key
    # langdetect's probabilities for the text: costly (n-grams), so computed once with the text and cached
    language_probs: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def text(self) -> str:
        """Every page's text joined with newlines (pages with no text left out); joined once per facts."""
        # Asked for by every later stage; facts are not changed once read, so joined once.
        return "\n".join(p.text for p in self.pages if p.text)

    @property
    def pages_read(self) -> int:
        """How many pages were read, from a text layer or by OCR (source not "none")."""
        return sum(1 for p in self.pages if p.source != "none")

    @property
    def ocr_pages(self) -> list[PageText]:
        """The pages read by OCR, in page order."""
        return [p for p in self.pages if p.source == "ocr"]

    @property
    def unread_pages(self) -> list[PageText]:
        """The pages not read (source "none": OCR off, a time-out, an error), in page order."""
        return [p for p in self.pages if p.source == "none"]

    @property
    def transient(self) -> bool:
        """True when what was read depends on the moment, not only on the bytes: a page's OCR hit
        its time limit (a busy machine). Such facts are reported but never cached, so the next
        run reads the page again instead of repeating the time-out from the cache."""
        return any(p.timed_out for p in self.pages)

    def to_dict(self) -> dict[str, Any]:
        """JSON data for the cache: notes as message ids and arguments (i18n.to_data)."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["problem"] = to_data(self.problem)
        data["notes"] = [to_data(n) for n in self.notes]
        for page, stored in zip(self.pages, data["pages"]):
            stored["note"] = to_data(page.note)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileFacts":
        """The facts to_dict() wrote, notes decoded with i18n.from_data. Raises KeyError, TypeError or
        ValueError for data of another shape (the cache treats such a row as a miss)."""
        data = dict(data)
        data["kind"] = FileKind(data["kind"])
        data["pages"] = [PageText(**{**p, "note": from_data(p.get("note", ""))}) for p in data.get("pages", [])]
        data["problem"] = from_data(data.get("problem", ""))
        data["notes"] = [from_data(n) for n in data.get("notes", [])]
        return cls(**data)


@dataclass(slots=True)   # one or more per SKU: a million-row list holds millions (docs/hostile-input.md)
class Finding:
    """One reason code found for a file or a SKU, language-free: the code and the arguments of its
    detail template (reasons.yaml `detail`), each a plain value, a checker.i18n.Message or a
    checker.phrases phrase. Writers say it with checker.phrases.finding_text(finding, tr, rules).

    text: a sentence given as it is, when there are no arguments (an outside source's own words);
    note: said after the detail, "; " between (the register's end date disagreeing with the paper's)."""
    code: ReasonCode
    text: str = ""
    args: tuple[tuple[str, Any], ...] = ()
    note: Any = None

    @classmethod
    def of(cls, code: ReasonCode, note: Any = None, **args: Any) -> "Finding":
        """Finding.of(codes.X, file=..., number=...): the code and its detail's arguments. The same
        finding on many SKUs (no_certificate for a category, with no file in it) is one object, so a
        million-row SKU list does not hold a million copies of its arguments (bounded; findings are
        never changed once made)."""
        key = (code, tuple(args.items()), note)
        try:
            return _same_finding(*key)
        except TypeError:       # an unhashable argument: a finding of its own
            return cls(code, "", key[1], note)


@functools.lru_cache(maxsize=8192)
def _same_finding(code: ReasonCode, args: tuple, note: Any) -> Finding:
    return Finding(code, "", args, note)


@dataclass
class DocumentNumber:
    """A conformity document number as the report shows it, with the evidence behind it.

    status: "well_formed"; "unverified" (read by OCR and it needed a guess, failed a structural
    check or was read at low confidence: a person must check it against the paper); "malformed".
    source: "text" (the PDF's text layer) or "ocr". confidence: tesseract's lowest word confidence
    over the number's span, 0-100 (None for a text layer). repairs: short English texts, what was
    changed on the way to the official form."""
    official: str
    scheme: str
    doc_type: str
    well_formed: bool
    problem: Said | str | None = None   # why not well formed: read.number.* ids (i18n.Said), i18n.joined
    status: str = ""
    source: str = "text"
    confidence: float | None = None
    repairs: list[str] = field(default_factory=list)
    registered_in: str = ""         # the state whose register holds it: RU, BY, KZ, KG, AM

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "well_formed" if self.well_formed else "malformed"

    @property
    def usable(self) -> bool:
        """Counts as the paper's number: well formed, or unverified (at risk, not blocking)."""
        return self.status in ("well_formed", "unverified")


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
    # What kind of paper it is (checker/doctypes.py): Ozon's type (certificate_of_conformity,
    # declaration, certificate_of_registration, registration_certificate, refused_letter,
    # safety_data_sheet) or voluntary_certificate / other; the paper key (test_report…); and the
    # evidence that decided ("title:ПРОТОКОЛ ИСПЫТАНИЙ", "number:РЗН 2025/25937", "name:certificate").
    document_type: str | None = None
    paper: str | None = None
    type_evidence: str = ""
    masked_ids: list[str] = field(default_factory=list)  # personal ids found, already masked
    pages_stated: int | None = None  # sheets the paper says it has ("Лист 1 из 2", an appendix "на 2 листах")

    def to_dict(self) -> dict[str, Any]:
        """JSON data for the cache: dates as ISO strings (None when not read), each number's problem as
        i18n.to_data."""
        data = asdict(self)
        for key in ("valid_from", "valid_until", "registered"):
            data[key] = data[key].isoformat() if data[key] else None
        for number, stored in zip(self.numbers, data["numbers"]):
            stored["problem"] = to_data(number.problem)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileAnalysis":
        """The analysis to_dict() wrote. Raises KeyError, TypeError or ValueError for data of another shape
        (the cache treats such a row as a miss)."""
        data = dict(data)
        for key in ("valid_from", "valid_until", "registered"):
            data[key] = date.fromisoformat(data[key]) if data[key] else None
        data["numbers"] = [DocumentNumber(**{**n, "problem": from_data(n.get("problem"))}) for n in data.get("numbers", [])]
        return cls(**data)


@dataclass
class RegisterCheck:
    """What the EAEU register said about one registration number (checker/register; --register eaeu).

    state: "found" (the register has a record), "not_found" (it answered: no record) or
    "not_checked" (it could not answer: `why` is a message id under register.why.*, `detail` its value).
    Dates are the register's docStartDate / docValidityDate as local dates; fetched is a Unix time."""
    number: str                     # official form, as sent
    state: str
    status_code: str = ""           # docStatusDetails/docStatusCode as given, e.g. "01"
    in_force: bool | None = None    # per rules/register.yaml; None unless found
    valid_from: date | None = None
    valid_until: date | None = None
    country: str = ""               # unifiedCountryCode/value
    why: str = ""
    detail: str = ""
    fetched: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON data (the cache's register table, the JSON report's `register`): dates as ISO strings, None
        when absent."""
        data = asdict(self)
        for key in ("valid_from", "valid_until"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RegisterCheck":
        """The check to_dict() wrote; a missing date is None. Raises TypeError or ValueError for data of
        another shape."""
        data = dict(data)
        for key in ("valid_from", "valid_until"):
            data[key] = date.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)


@dataclass
class FileResult:
    """One file of the scan, judged. path and name: as every output shows them (privacy.shown_path:
    personal numbers masked); group: what it is judged for; sku: the SKU it belongs to (None for KYC
    and unmapped files); facts: what reading it found; analysis: what its text says; findings: its
    reason codes with their arguments; counted: it counts toward its SKU's requirements; register:
    the EAEU register's answers for its numbers (--register only); copy_tool, copy_name, copy_of: a
    sync tool's or a person's copy of another file, set aside."""
    path: str                       # relative to the scanned folder, '/' separated
    name: str
    group: Group
    sku: str | None
    facts: FileFacts
    analysis: FileAnalysis = field(default_factory=FileAnalysis)
    findings: list[Finding] = field(default_factory=list)
    counted: bool = False           # counts toward the SKU's requirements
    register: list[RegisterCheck] = field(default_factory=list)   # --register only: one per number looked up
    copy_tool: str = ""             # the name carries a copy marker of this tool (rules/copies.yaml)
    copy_name: str = ""             # the name without the copy marker
    copy_of: str | None = None      # path of the original beside it: this copy is set aside, not counted

    @property
    def codes(self) -> list[ReasonCode]:
        """The reason codes of its findings, in findings order."""
        return [f.code for f in self.findings]

    @property
    def blocked(self) -> bool:
        """Any of its findings' codes blocks chat (ReasonCode.blocking)."""
        return any(f.code.blocking for f in self.findings)


@dataclass(slots=True)   # one per row of the SKU list, which may have a million rows
class SkuResult:
    """One SKU and its verdict. sku: as the SKU list spells it (or the folder name when there is no
    list); category_input, category: the category as written and the rule key it was read as; row:
    the list's row; files: the FileResults mapped to it; findings: its papers' findings and its own
    (judging.sku.judge_sku), in report order; status: its ChatStatus; name, brand: from the list;
    category_source, category_match, category_score, category_suggestions: how the category was
    found; notes: what was read unlike it is written."""
    sku: str
    category_input: str = ""        # as written in the user's CSV
    category: str | None = None     # rule key, None when unknown
    row: dict[str, str] = field(default_factory=dict)  # the user's CSV row, all columns
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    status: ChatStatus = ChatStatus.OK
    name: str = ""                  # the product's name from the SKU list ("Наименование товара"), "" when none
    brand: str = ""                 # the product's brand from the SKU list ("Бренд"), "" when none
    category_source: str = ""       # "column" (the list's category column), "inferred" (from `name`), "" (none)
    category_match: str = ""        # how it was read: "name", "path", "close", "inferred", "" (see rules.CategoryMatch)
    category_score: float | None = None   # rapidfuzz ratio of a "close" match
    category_suggestions: tuple[str, ...] = ()   # nearest category keys when unknown ("did you mean …?")
    # what was read unlike it is written (category read as, copies set aside): checker.i18n.Message
    # values, said by the writers in the reader's language (checker.phrases.say)
    notes: list[Any] = field(default_factory=list)

    @property
    def codes(self) -> list[ReasonCode]:
        """The distinct reason codes of its findings, in the order first found."""
        seen: list[ReasonCode] = []
        for f in self.findings:
            if f.code not in seen:
                seen.append(f.code)
        return seen


@dataclass
class KycRequirement:
    """One requirement of the KYC checklist (rules/kyc.yaml). key: the requirement's key; title: its
    English title from kyc.yaml; met: some file shows it; evidence: the files that do ('/'-separated,
    relative to the scanned folder); note: why it is not met, in English ("" when met); note_msg: the
    same note as message ids, for writers in other languages."""
    key: str
    title: str
    met: bool
    evidence: list[str] = field(default_factory=list)   # relative paths
    note: str = ""                  # the note in English, personal ids masked
    # The note as message ids + arguments (checker.kyc.notes.Note): writers render it in the
    # reader's language with i18n.kyc_note(). None when met.
    note_msg: Any = field(default=None, compare=False, repr=False)


@dataclass
class KycResult:
    """The account's KYC checklist. judged: False without a KYC folder, or when scans were left unread
    (--no-ocr) and the set is not complete; profile: the kyc.yaml profile judged against (the seller
    type); folders: the folders the KYC files sit in, sorted; requirements: one per requirement of the
    profile; not_read: KYC files whose pages were not read."""
    judged: bool                    # False when there is no KYC folder
    profile: str
    folders: list[str] = field(default_factory=list)
    requirements: list[KycRequirement] = field(default_factory=list)
    not_read: list[str] = field(default_factory=list)   # KYC files left unread (--no-ocr): judged False, "scans not read"

    @property
    def complete(self) -> bool:
        """Judged, and every requirement met."""
        return self.judged and all(r.met for r in self.requirements)


@dataclass
class SkippedEntry:
    """An entry of the scanned folder that was not read (reading.discover): its path as reports show it
    (privacy.shown_path) and why."""
    path: str
    reason: str                     # "debris", "link outside folder", "link loop", "special file"...


@dataclass
class ScanStats:
    """Figures of one scan. files: files found (SKU, KYC and unmapped); pages_ocr: pages OCR'd in this
    run (facts from the cache not counted); cache_hits: files whose facts came from the cache (or,
    under watch, from memory) instead of being read; seconds: the scan's wall time, rounded to 0.01."""
    files: int = 0
    pages_ocr: int = 0
    cache_hits: int = 0
    seconds: float = 0.0


@dataclass
class RegisterSummary:
    """Per run, counted over distinct numbers: checked = found + not_found (the register answered)."""
    numbers: int = 0
    found: int = 0
    not_found: int = 0
    not_checked: int = 0

    @property
    def checked(self) -> int:
        """Numbers the register answered for: found + not_found."""
        return self.found + self.not_found


@dataclass
class ScanResult:
    """Everything one scan found, which every writer turns into its report. root: the scanned folder as
    given; today: the date papers were judged against; seller_type: the kyc.yaml profile; skus: one
    SkuResult per SKU (the list's order, then SKUs found only as folders); files: every file found,
    in path order; kyc: the KYC checklist; skipped: entries not read; stats: ScanStats; warnings: the
    run's warnings (SKU list, cache, several KYC folders), i18n.Said where they are doccheck's own;
    register: the register summary; rules: the Rules the scan used."""
    root: str
    today: date
    seller_type: str
    skus: list[SkuResult]
    files: list[FileResult]
    kyc: KycResult
    skipped: list[SkippedEntry] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    warnings: list[str] = field(default_factory=list)
    register: RegisterSummary | None = None   # None: the register was not asked (no --register)
    rules: Any = field(default=None, repr=False)   # the Rules the scan used (writers name paper types and Ozon codes)
