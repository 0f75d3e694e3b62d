"""Stage 2: what a file really is, by content (python-magic), and a PDF's structure (pypdf)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

import magic
import pypdf
from pypdf.errors import PdfReadError

from ..i18n import said
from ..models import FileKind

SNIFF_BYTES = 2 * 1024 * 1024   # enough for libmagic to tell a .docx from a plain zip

_IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/gif", "image/webp", "image/bmp", "image/x-ms-bmp"}
_DOCUMENT_PREFIXES = ("application/msword", "application/vnd.openxmlformats-officedocument", "application/vnd.oasis",
                      "application/vnd.ms-", "application/rtf", "text/")
_ARCHIVES = {"application/zip", "application/x-rar", "application/vnd.rar", "application/x-7z-compressed",
             "application/gzip", "application/x-tar", "application/x-bzip2", "application/x-xz"}

# pypdf logs (even at ERROR) every repair it makes on broken files: findings for us, not console noise.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

# A certificate's page content is kilobytes; a stream that expands past this is a bomb, not a paper.
STREAM_LIMIT_BYTES = 50_000_000


def _limit_pypdf_decompression() -> None:
    try:  # pypdf >= 7: one configuration object
        from pypdf._configuration import overwrite_configuration

        overwrite_configuration(zlib_maximum_output_length=STREAM_LIMIT_BYTES,
                                lzw_maximum_output_length=STREAM_LIMIT_BYTES,
                                run_length_maximum_output_length=STREAM_LIMIT_BYTES,
                                maximum_declared_stream_length=STREAM_LIMIT_BYTES,
                                array_based_stream_maximum_output_length=STREAM_LIMIT_BYTES)
    except (ImportError, TypeError):  # pypdf 6: module constants
        from pypdf import filters

        for name in ("ZLIB_MAX_OUTPUT_LENGTH", "LZW_MAX_OUTPUT_LENGTH", "MAX_DECLARED_STREAM_LENGTH",
                     "MAX_ARRAY_BASED_STREAM_OUTPUT_LENGTH", "RUN_LENGTH_MAX_OUTPUT_LENGTH"):
            if hasattr(filters, name):
                setattr(filters, name, STREAM_LIMIT_BYTES)


_limit_pypdf_decompression()


def sniff_mime(data: bytes) -> str:
    """The MIME type by content (libmagic on the first SNIFF_BYTES bytes): "application/x-empty" for no
    bytes, "application/octet-stream" when libmagic cannot tell or fails. Never raises."""
    if not data:
        return "application/x-empty"
    try:
        return magic.from_buffer(data[:SNIFF_BYTES], mime=True) or "application/octet-stream"
    except Exception:  # libmagic can fail on odd input; the type is then simply unknown
        return "application/octet-stream"


def kind_for_mime(mime: str) -> FileKind:
    """The FileKind of a MIME type; a PDF is TEXT_PDF until its pages are read (extract sets the kind)."""
    if mime in ("application/x-empty", "inode/x-empty"):
        return FileKind.EMPTY
    if mime == "application/pdf":
        return FileKind.TEXT_PDF   # refined once pages are read
    if mime in _IMAGE_TYPES or mime.startswith("image/"):
        return FileKind.IMAGE
    if mime in _ARCHIVES:
        return FileKind.ARCHIVE
    if mime.startswith(_DOCUMENT_PREFIXES):
        return FileKind.DOCUMENT
    return FileKind.OTHER


def looks_truncated(data: bytes, mime: str) -> bool:
    """A half-synced or cut download: the format's end marker is missing."""
    tail = data[-4096:]
    if mime == "application/pdf":
        return b"%%EOF" not in tail
    if mime == "image/jpeg":
        return b"\xff\xd9" not in data[-64:]
    if mime == "image/png":
        return b"IEND" not in data[-64:]
    return False


@dataclass
class PdfStructure:
    """What opening a PDF found. reader: the pypdf reader (None when it did not open); page_count;
    problem: why it cannot be read ("" when it can); encrypted: it is encrypted (an owner password
    alone too); notes: what opening it noted, an i18n.Said each."""
    reader: pypdf.PdfReader | None
    page_count: int = 0
    problem: str = ""              # an i18n.Said of a read.* message, as FileFacts.problem
    encrypted: bool = False
    notes: list[str] = field(default_factory=list)


def open_pdf(data: bytes) -> PdfStructure:
    """Opens a PDF with pypdf (strict=False), an owner-password-only file decrypted with the empty
    password. Never raises: a corrupt file, a user password, unsupported encryption or no pages is
    the structure's `problem` (read.* messages)."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError) as exc:
        return PdfStructure(None, problem=said("read.corrupt_pdf", detail=_short(exc)))
    except Exception as exc:   # pypdf raises a wide variety on hostile files; all mean "cannot read"
        return PdfStructure(None, problem=said("read.corrupt_pdf", detail=type(exc).__name__))
    structure = PdfStructure(reader)
    try:
        if reader.is_encrypted:
            structure.encrypted = True
            # An owner password alone (print/copy restrictions) still opens with an empty user password.
            if not reader.decrypt(""):
                structure.problem = said("read.password")
                return structure
            structure.notes.append(said("read.owner_password"))
        structure.page_count = len(reader.pages)
    except NotImplementedError as exc:
        structure.problem = said("read.encryption", detail=_short(exc))
    except Exception as exc:
        structure.problem = said("read.corrupt_pdf", detail=_short(exc))
    if not structure.problem and structure.page_count == 0:
        structure.problem = said("read.no_pages")
    return structure


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
