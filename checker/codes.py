"""The public reason-code vocabulary, declared once. Texts live in rules/reasons.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum


class Scope(str, Enum):
    """Where a reason code is raised and shown: on one file, on a SKU, or on the whole account."""
    FILE = "file"        # raised by one file; shows on the file and on its SKU
    SKU = "sku"          # raised by what a SKU's files add up to
    ACCOUNT = "account"  # raised by the account's KYC set, on every SKU


@dataclass(frozen=True)
class ReasonCode:
    """One reason code of the public vocabulary (its texts in rules/reasons.yaml). `code` is the stable
    name reports carry; `blocking` says whether it disables the SKU's buyer chat (ChatStatus.DISABLED)
    rather than only putting it at risk; `scope` where it is raised. str() is the code."""
    code: str
    blocking: bool
    scope: Scope

    def __str__(self) -> str:
        return self.code


MISSING_RU_PREFIX = ReasonCode("missing_ru_prefix", True, Scope.FILE)
NOT_A_PDF = ReasonCode("not_a_pdf", True, Scope.FILE)
UNSUPPORTED_TYPE = ReasonCode("unsupported_type", True, Scope.FILE)
UNREADABLE_FILE = ReasonCode("unreadable_file", True, Scope.FILE)
NO_CERTIFICATE = ReasonCode("no_certificate", True, Scope.SKU)
CERTIFICATE_NUMBER_INVALID = ReasonCode("certificate_number_invalid", True, Scope.FILE)
CERTIFICATE_EXPIRED = ReasonCode("certificate_expired", True, Scope.FILE)
CERTIFICATE_EXPIRING = ReasonCode("certificate_expiring", False, Scope.FILE)
NO_RU_MANUAL = ReasonCode("no_ru_manual", True, Scope.SKU)
MANUAL_NOT_RUSSIAN = ReasonCode("manual_not_russian", True, Scope.FILE)
KYC_INCOMPLETE = ReasonCode("kyc_incomplete", True, Scope.ACCOUNT)
UNKNOWN_CATEGORY = ReasonCode("unknown_category", False, Scope.SKU)
# The EAEU register (checker/register, only with --register eaeu) and whether the paper fits the product
CERTIFICATE_NOT_IN_REGISTER = ReasonCode("certificate_not_in_register", True, Scope.FILE)   # Ozon: not_in_registry
CERTIFICATE_REVOKED = ReasonCode("certificate_revoked", True, Scope.FILE)                   # Ozon: annulled, archive
CERTIFICATE_MISMATCH = ReasonCode("certificate_mismatch", True, Scope.SKU)                  # Ozon: not_match_information
CERTIFICATE_PRODUCT_MISMATCH = ReasonCode("certificate_product_mismatch", False, Scope.SKU)  # Ozon: not_match_information
WRONG_DOCUMENT_TYPE = ReasonCode("wrong_document_type", True, Scope.SKU)
CERTIFICATE_NUMBER_UNVERIFIED = ReasonCode("certificate_number_unverified", False, Scope.FILE)
OZON_DECLINED = ReasonCode("ozon_declined", False, Scope.SKU)          # scan --ozon: moderation declined a bound certificate
OZON_DISAGREEMENT = ReasonCode("ozon_disagreement", False, Scope.SKU)  # scan --ozon: Ozon approved a paper doccheck blocks
DOCUMENT_INCOMPLETE = ReasonCode("document_incomplete", True, Scope.FILE)
FILE_STILL_ARRIVING = ReasonCode("file_still_arriving", False, Scope.FILE)   # watch: not judged until complete

# Report order: the order of the public table.
ALL_CODES: tuple[ReasonCode, ...] = (
    MISSING_RU_PREFIX,
    NOT_A_PDF,
    UNSUPPORTED_TYPE,
    UNREADABLE_FILE,
    NO_CERTIFICATE,
    CERTIFICATE_NUMBER_INVALID,
    CERTIFICATE_EXPIRED,
    CERTIFICATE_EXPIRING,
    NO_RU_MANUAL,
    MANUAL_NOT_RUSSIAN,
    KYC_INCOMPLETE,
    UNKNOWN_CATEGORY,
    CERTIFICATE_NOT_IN_REGISTER,
    CERTIFICATE_REVOKED,
    CERTIFICATE_MISMATCH,
    CERTIFICATE_PRODUCT_MISMATCH,
    WRONG_DOCUMENT_TYPE,
    CERTIFICATE_NUMBER_UNVERIFIED,
    OZON_DECLINED,
    OZON_DISAGREEMENT,
    DOCUMENT_INCOMPLETE,
    FILE_STILL_ARRIVING,
)
BY_NAME: dict[str, ReasonCode] = {c.code: c for c in ALL_CODES}
ORDER: dict[str, int] = {c.code: i for i, c in enumerate(ALL_CODES)}


class ChatStatus(str, Enum):
    """A SKU's buyer-chat status, as every report gives it (`chat_status`): "ok", "at_risk" (a
    non-blocking finding) or "disabled" (a blocking one)."""
    OK = "ok"
    AT_RISK = "at_risk"
    DISABLED = "disabled"


def status_for(codes: set[ReasonCode] | list[ReasonCode]) -> ChatStatus:
    """The status a set of reason codes gives: DISABLED when any code blocks, AT_RISK when there is any
    code at all, else OK."""
    if any(c.blocking for c in codes):
        return ChatStatus.DISABLED
    if codes:
        return ChatStatus.AT_RISK
    return ChatStatus.OK


class ExitCode(IntEnum):
    """Every exit status doccheck gives, in one place (after OCRmyPDF's ExitCode). docs/cli.md
    lists them; the signal ones follow the shell's 128 + signal number convention."""
    OK = 0                # no SKU disabled (with --fail-on at_risk: none at risk either)
    SKU_DISABLED = 1      # at least one SKU disabled (or at risk, with --fail-on at_risk); audit: a client failed
    BAD_INPUT = 2         # bad usage, missing folder, unusable CSV or rules
    MISSING_DEPENDENCY = 3  # tesseract or a language pack missing while OCR is needed
    INTERRUPTED = 130     # Ctrl-C (SIGINT, 2) before a verdict was published
    TERMINATED = 143      # SIGTERM (15): a time-out, systemd, a CI cancel

    @classmethod
    def for_signal(cls, signum: int) -> "ExitCode":
        """The status of a run stopped by `signum` (SIGINT or SIGTERM); ValueError for any other."""
        return cls(128 + int(signum))
