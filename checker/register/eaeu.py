"""The HTTP client of the EAEU register's public OData v4 service (register 35-1 of the EEC's
integrated information system). docs/register.md describes the contract; in short:

* one request per number: ``GET {base}/conformityDocDetailsType?$filter=docId eq '<number>'&$top=5``
  (the quote inside the value doubled, as OData string literals need; the query percent-encoded),
  ``Accept: application/json``; nothing else is sent (no cookies, no file, no name);
* the answer ``{"value": [{"docId", "docStartDate", "docValidityDate", "docStatusDetails":
  {"docStatusCode"}, "unifiedCountryCode": {"value"}, ...}]}``, dates ISO 8601 with an offset;
* 10 s time-out per request, 3 tries with exponential back-off (tenacity) on time-outs, connection
  errors and 5xx; at most 4 requests at once; after 5 failed numbers in a row the circuit opens and
  the rest of the run is not checked. 4xx and malformed JSON are not retried.

Errors never escape ``lookup_many``: a number the register could not answer for comes back as
``Answer(state="not_checked", why=<message id>, detail=<value>)``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from .. import __version__

DEFAULT_URL = "https://tech.eaeunion.org/odata"
ENTITY_SET = "conformityDocDetailsType"   # the register portal's spelling; $metadata says ConformityDocDetailsType
TOP = 5
TIMEOUT_S = 10.0
ATTEMPTS = 3
BACKOFF_S = 0.5          # first wait; doubles after each failed try
MAX_CONCURRENT = 4
BREAKER_AFTER = 5        # failed numbers in a row before the rest of the run skips the register

# `why` values: message ids under register.why.* in rules/messages.yaml
TIMEOUT, CONNECTION, HTTP, MALFORMED, BREAKER = "timeout", "connection", "http", "malformed", "breaker"


@dataclass(frozen=True)
class RegisterRecord:
    """One register record, reduced to what doccheck judges. Dates are the offset's local dates."""
    doc_id: str
    status_code: str
    start: date | None
    validity: date | None
    country: str


@dataclass(frozen=True)
class Answer:
    """state: "found" (record set), "not_found", or "not_checked" (why, detail set)."""
    number: str
    state: str
    record: RegisterRecord | None = None
    why: str = ""
    detail: str = ""


class _NotAnswered(Exception):
    def __init__(self, why: str, detail: str = ""):
        super().__init__(f"{why}: {detail}")
        self.why, self.detail = why, detail


class _Retryable(_NotAnswered):
    """A time-out, a connection error or a 5xx: worth another try."""


def filter_expression(number: str) -> str:
    """The OData $filter for one number: ``docId eq '<number>'`` with any quote doubled."""
    return "docId eq '" + number.replace("'", "''") + "'"


def request_url(base_url: str, number: str) -> str:
    """The full GET URL for one number; the query's values percent-encoded (UTF-8)."""
    return f"{base_url.rstrip('/')}/{ENTITY_SET}?$filter={quote(filter_expression(number), safe='')}&$top={TOP}"


def _same_number(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(s.replace("№", "N").split()).casefold()
    return norm(a) == norm(b)


def _date(value: object, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _NotAnswered(MALFORMED, f"{field} is not a date")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise _NotAnswered(MALFORMED, f"{field} {value[:40]!r} is not ISO 8601") from None


def _record(item: dict) -> RegisterRecord:
    status = item.get("docStatusDetails")
    code = status.get("docStatusCode") if isinstance(status, dict) else None
    if not isinstance(code, str) or not code:
        raise _NotAnswered(MALFORMED, "record without docStatusDetails/docStatusCode")
    country = item.get("unifiedCountryCode")
    return RegisterRecord(doc_id=str(item.get("docId")), status_code=code,
                          start=_date(item.get("docStartDate"), "docStartDate"),
                          validity=_date(item.get("docValidityDate"), "docValidityDate"),
                          country=str(country.get("value") or "") if isinstance(country, dict) else "")


def parse_answer(number: str, payload: object) -> Answer:
    """The register's JSON answer for `number` -> found / not_found; raises _NotAnswered(MALFORMED).

    Several records for one number (re-issued): one in force ("01") wins, else the latest start."""
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise _NotAnswered(MALFORMED, "no 'value' list")
    items = [i for i in payload["value"] if isinstance(i, dict) and isinstance(i.get("docId"), str)]
    if len(items) != len(payload["value"]):
        raise _NotAnswered(MALFORMED, "a record without docId")
    records = [_record(i) for i in items if _same_number(i["docId"], number)]
    if not records:
        return Answer(number, "not_found")
    records.sort(key=lambda r: (r.status_code == "01", r.start or date.min), reverse=True)
    return Answer(number, "found", records[0])


class EaeuRegister:
    """Looks numbers up in the register. Thread-safe; use as a context manager (closes the pool).

    timeout is seconds per request; backoff the first wait in seconds between tries (doubling);
    transport lets a test substitute httpx's transport (never needed against the stand-in server)."""

    def __init__(self, base_url: str = DEFAULT_URL, *, timeout: float = TIMEOUT_S, attempts: int = ATTEMPTS,
                 backoff: float = BACKOFF_S, max_concurrent: int = MAX_CONCURRENT, breaker_after: int = BREAKER_AFTER,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_concurrent = max_concurrent
        self.breaker_after = breaker_after
        self._failures = 0
        self._open = False
        self._lock = threading.Lock()
        # What is sent: the URL (the number in $filter) and these two headers; nothing else.
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport,
                                  headers={"Accept": "application/json", "User-Agent": f"doccheck/{__version__}"})

    def __enter__(self) -> "EaeuRegister":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Closes the HTTP client."""
        self._http.close()

    @property
    def breaker_open(self) -> bool:
        """True once `breaker_after` numbers in a row went unanswered: from then on every lookup is
        "not_checked" without a request."""
        return self._open

    def lookup_many(self, numbers: list[str]) -> dict[str, Answer]:
        """number -> Answer for every distinct number, at most max_concurrent requests at once."""
        distinct = list(dict.fromkeys(numbers))
        if not distinct:
            return {}
        with ThreadPoolExecutor(max_workers=min(self.max_concurrent, len(distinct)), thread_name_prefix="eaeu-register") as pool:
            return dict(zip(distinct, pool.map(self.lookup, distinct)))

    def lookup(self, number: str) -> Answer:
        """One number; never raises."""
        if self._open:
            return Answer(number, "not_checked", why=BREAKER, detail=str(self.breaker_after))
        try:
            answer = self._ask(number)
        except _NotAnswered as exc:
            with self._lock:
                self._failures += 1
                if self._failures >= self.breaker_after:
                    self._open = True
            return Answer(number, "not_checked", why=exc.why, detail=exc.detail)
        with self._lock:
            self._failures = 0
        return answer

    def _ask(self, number: str) -> Answer:
        retrying = Retrying(stop=stop_after_attempt(self.attempts), reraise=True,
                            wait=wait_exponential(multiplier=self.backoff, min=self.backoff),
                            retry=retry_if_exception_type(_Retryable))
        response = retrying(self._get, request_url(self.base_url, number))
        try:
            payload = response.json()
        except ValueError as exc:
            raise _NotAnswered(MALFORMED, f"not JSON ({type(exc).__name__})") from None
        return parse_answer(number, payload)

    def _get(self, url: str) -> httpx.Response:
        try:
            response = self._http.get(url)
        except httpx.TimeoutException:
            raise _Retryable(TIMEOUT, f"{self.timeout:g}") from None
        except httpx.TransportError as exc:
            raise _Retryable(CONNECTION, type(exc).__name__) from None
        if response.status_code >= 500:
            raise _Retryable(HTTP, str(response.status_code))
        if response.status_code != 200:
            raise _NotAnswered(HTTP, str(response.status_code))
        return response
