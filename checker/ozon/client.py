"""A Seller API client that behaves: httpx with time-outs, retries with back-off (tenacity) on 429
(honouring Retry-After) and 5xx, a per-method rate limit below Ozon's published limits, and errors
that are one line and never carry the credentials.

Credentials: OZON_CLIENT_ID and OZON_API_KEY from the environment, sent as Ozon's `Client-Id` and
`Api-Key` headers (https://docs.ozon.ru/api/seller/ "Авторизация"). They are kept out of every
message: `OzonError` texts pass through `Credentials.redact`, and the client never logs a request.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .. import i18n

from . import DEFAULT_API_URL
ENV_CLIENT_ID = "OZON_CLIENT_ID"
ENV_API_KEY = "OZON_API_KEY"

# Seconds between two calls of one method. Ozon's published limit is 50 requests a second for all
# methods of one Client-Id together (since 19 May 2025; above it: HTTP 429, code 8 "You have reached
# request rate limit per second"). doccheck calls one method at a time and stays far below:
# 5 calls a second per read method, 2 a second for certificate create and bind.
READ_INTERVAL = 0.2
WRITE_INTERVAL = 0.5
WRITE_METHODS = frozenset({"/v2/product/certificate/create", "/v1/product/certificate/bind"})
MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 60.0


class OzonError(Exception):
    """A call to Ozon failed for good. str() is one line for the user, without credentials.

    kind: "auth" (key refused), "rights" (the key lacks a role), "refused" (Ozon answered 4xx with
    its message), "unavailable" (5xx, 429 or network after the retries), "bad_response"."""

    def __init__(self, message: str, kind: str, status: int | None = None, ozon_message: str = ""):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.ozon_message = ozon_message


class _Retryable(Exception):
    def __init__(self, status: int | None, retry_after: float | None, detail: str):
        super().__init__(detail)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Credentials:
    """The Seller API's credentials: client_id (sent as the `Client-Id` header) and api_key (`Api-Key`).
    Never put in a message: redact() removes them."""
    client_id: str
    api_key: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Credentials":
        """Both variables must be set and non-empty; else OzonError(kind="auth") naming the variable."""
        env = os.environ if environ is None else environ
        client_id, api_key = env.get(ENV_CLIENT_ID, "").strip(), env.get(ENV_API_KEY, "").strip()
        missing = [name for name, value in ((ENV_CLIENT_ID, client_id), (ENV_API_KEY, api_key)) if not value]
        if missing:
            raise OzonError(i18n.said("ozon.err.missing_env", names=", ".join(missing)), "auth")
        return cls(client_id, api_key)

    def redact(self, text: str) -> str:
        """`text` with the key and the client id replaced by '***'."""
        for secret in (self.api_key, self.client_id):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def headers(self) -> dict[str, str]:
        """The two headers every request carries: Client-Id and Api-Key."""
        return {"Client-Id": self.client_id, "Api-Key": self.api_key}


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return min(max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)
        except (TypeError, ValueError):
            return None


def _ozon_message(response: httpx.Response) -> str:
    """Ozon's error body is {"code": int, "message": str, "details": [...]}."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "")[:300]
    return ""


class OzonClient:
    """POSTs JSON to the Seller API. `post(path, body)` returns the decoded JSON object.

    base_url: Ozon's production API by default (--api-url for tests and sandboxes); timeout in
    seconds (connect and read); backoff: the first retry's wait in seconds, doubling, used when a
    429 has no Retry-After and for 5xx and network errors. Thread-safe rate limiting per method."""

    def __init__(self, credentials: Credentials, base_url: str = DEFAULT_API_URL, *, timeout: float = 30.0,
                 backoff: float = 1.0, transport: httpx.BaseTransport | None = None):
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.backoff = backoff
        self._http = httpx.Client(base_url=self.base_url, headers=credentials.headers(),
                                  timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), transport=transport,
                                  follow_redirects=False)
        self._last_call: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Closes the HTTP client and its connections."""
        self._http.close()

    def __enter__(self) -> "OzonClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _pace(self, path: str) -> None:
        interval = WRITE_INTERVAL if path in WRITE_METHODS else READ_INTERVAL
        with self._lock:
            now = time.monotonic()
            wait = self._last_call.get(path, 0.0) + interval - now
            if wait > 0:
                time.sleep(wait)
            self._last_call[path] = time.monotonic()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        return self.backoff * (2 ** (state.attempt_number - 1))

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One Seller API call, retried on 429/5xx/network errors; OzonError when it fails for good."""
        retrying = Retrying(retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
                            stop=stop_after_attempt(MAX_ATTEMPTS), wait=self._wait, reraise=True)
        try:
            return retrying(self._post_once, path, body or {})
        except _Retryable as exc:
            what = f"HTTP {exc.status}" if exc.status else str(exc)
            raise OzonError(i18n.said("ozon.err.unavailable", path=path, tries=MAX_ATTEMPTS, what=self.credentials.redact(what)),
                            "unavailable", exc.status) from None

    def _post_once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self._pace(path)
        try:
            response = self._http.post(path, json=body)
        except httpx.TimeoutException:
            raise _Retryable(None, None, f"timed out talking to {self.base_url}") from None
        except httpx.TransportError as exc:
            raise _Retryable(None, None, f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(status, _retry_after(response.headers.get("Retry-After")) if status == 429 else None,
                             f"HTTP {status}")
        if status >= 400:
            raise self._refusal(path, response)
        try:
            data = response.json()
        except ValueError:
            raise OzonError(i18n.said("ozon.err.bad_response", path=path), "bad_response", status) from None
        if not isinstance(data, dict):
            raise OzonError(i18n.said("ozon.err.bad_response", path=path), "bad_response", status)
        return data

    def _refusal(self, path: str, response: httpx.Response) -> OzonError:
        status = response.status_code
        message = self.credentials.redact(_ozon_message(response))
        folded = message.casefold()
        key_words = ("api-key", "api key", "apikey", "client-id", "client id", "invalid key", "unauthorized")
        if status == 401 or (status == 403 and any(w in folded for w in key_words)):
            return OzonError(i18n.said("ozon.err.key_refused", status=status), "auth", status, message)
        if status == 403:
            return OzonError(i18n.said("ozon.err.no_rights", path=path, message=message or "-"), "rights", status, message)
        return OzonError(i18n.said("ozon.err.refused", path=path, status=status, message=message or "-"), "refused", status, message)
