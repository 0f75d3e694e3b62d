"""A local stand-in for the EAEU register's OData service, started by the tests on 127.0.0.1.

It speaks the service's shapes (../shared/reference/eaeu-register/): GET
``/odata/conformityDocDetailsType?$filter=docId eq '<number>'&$top=5`` (the $metadata spelling
``ConformityDocDetailsType`` is accepted too), answering ``{"value": [records]}``. Each number is
given a behaviour; every request is recorded (method, path, raw query, decoded parameters,
headers, body) so that tests can assert exactly what the client sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

ENTITY_SETS = ("conformityDocDetailsType", "ConformityDocDetailsType")
_FILTER = re.compile(r"^docId eq '((?:[^']|'')*)'$")


def record(number: str, status: str = "01", start: str | None = "2025-05-30T00:00:00+03:00",
           until: str | None = "2029-05-29T00:00:00+03:00", country: str = "RU") -> dict:
    """One register record in the service's shape (trimmed like the reference answers)."""
    return {"docId": number, "docStartDate": start, "docValidityDate": until, "formNumberId": "0001474",
            "Id": "683995d030dcf80e6d482f40", "unifiedCountryCode": {"value": country},
            "docStatusDetails": {"docStatusCode": status}}


@dataclass
class Behaviour:
    """What the stand-in does for one number, request after request.

    steps: a list consumed one per request, the last repeated: ("json", payload), ("status", code),
    ("raw", bytes) for a malformed body, ("slow", seconds, then-step)."""
    steps: list = field(default_factory=list)


@dataclass
class Request:
    method: str
    path: str
    raw_query: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    number: str | None


class StandIn:
    def __init__(self):
        self.behaviours: dict[str, list] = {}
        self.requests: list[Request] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/odata"

    def start(self) -> "StandIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- configuring --
    def found(self, number: str, **kw) -> None:
        self.behaviours[number] = [("json", {"value": [record(number, **kw)]})]

    def not_found(self, number: str) -> None:
        self.behaviours[number] = [("json", {"value": []})]

    def steps(self, number: str, *steps) -> None:
        self.behaviours[number] = list(steps)

    # -- serving --
    def _next_step(self, number: str | None):
        with self._lock:
            steps = self.behaviours.get(number) if number is not None else None
            if not steps:
                return ("json", {"value": []})
            return steps.pop(0) if len(steps) > 1 else steps[0]

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):   # quiet
                pass

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _serve(self, method: str) -> None:
                with standin._lock:
                    standin.inflight += 1
                    standin.max_inflight = max(standin.max_inflight, standin.inflight)
                try:
                    self._answer(method)
                finally:
                    with standin._lock:
                        standin.inflight -= 1

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = parse_qs(parts.query, keep_blank_values=True)
                number = None
                m = _FILTER.match(params.get("$filter", [""])[0])
                if m:
                    number = m.group(1).replace("''", "'")
                with standin._lock:
                    standin.requests.append(Request(method, unquote(parts.path), parts.query, params,
                                                    {k.lower(): v for k, v in self.headers.items()}, body, number))
                if parts.path.rsplit("/", 1)[-1] not in ENTITY_SETS or parts.path.rsplit("/", 1)[0] != "/odata":
                    return self._send(404, b'{"error": {"code": "", "message": "No HTTP resource was found"}}')
                if number is None:
                    return self._send(400, b'{"error": {"code": "", "message": "The query specified in the URI is not valid."}}')
                step = standin._next_step(number)
                while step[0] == "slow":
                    time.sleep(step[1])
                    step = step[2]
                if step[0] == "json":
                    return self._send(200, json.dumps(step[1], ensure_ascii=False).encode())
                if step[0] == "raw":
                    return self._send(200, step[1])
                return self._send(step[1], b'{"error": {"code": "", "message": "An error has occurred."}}')

            def _send(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (its time-out)

        return Handler
