"""A local stand-in for Ozon's Seller API, started by the tests on 127.0.0.1.

It speaks the request and response shapes of the methods doccheck calls (paths and field names as
in https://docs.ozon.ru/api/seller/): product list paged by last_id, product info in batches, the
category tree, certificates (list, products bound, rejection reasons dictionary, v2 create, bind).
It checks the Client-Id/Api-Key headers, records every request, and can be told to answer a method
with a scripted failure first (a 429 with Retry-After, a 500)."""

from __future__ import annotations

import base64
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "836120"
API_KEY = "5f1e2d3c-aaaa-4bbb-8ccc-0123456789ab"

REJECTION_REASONS = [
    {"code": "not_all_pages", "name": "Загружены не все страницы документа"},
    {"code": "not_in_registry", "name": "Документ не найден в государственном реестре"},
    {"code": "not_match_information", "name": "Данные документа не совпадают с информацией о товаре"},
]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class StandIn:
    products: list[dict] = field(default_factory=list)        # {product_id, offer_id, sku, name, description_category_id, type_id}
    tree: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)    # v1Certificate + "skus": [int], "files": [...]
    page_cap: int = 1000                                      # the most items one page holds
    batch_cap: int = 1000                                     # the most ids one info/list call may ask for
    # path -> [(status, headers[, message])]: answered before the method runs, one per request
    faults: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the tests read -------------------------------------------------------------------
    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.path in ("/v2/product/certificate/create", "/v1/product/certificate/bind")]

    def bound(self) -> dict[str, set[int]]:
        """certificate number -> Ozon SKUs bound to it."""
        return {c["certificate_number"]: set(c["skus"]) for c in self.certificates}

    # --- the methods -----------------------------------------------------------------------------
    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        handler = ROUTES.get(path)
        if handler is None:
            return 404, {"code": 5, "message": "Not Found", "details": []}
        return handler(self, body)

    def product_list(self, body):                           # POST /v3/product/list
        limit = min(int(body.get("limit") or 1000), 1000, self.page_cap)
        wanted = set((body.get("filter") or {}).get("offer_id") or [])
        items = [p for p in self.products if not wanted or p["offer_id"] in wanted]
        start = int(body.get("last_id") or 0)
        page = items[start:start + limit]
        last_id = str(start + len(page)) if page else ""
        return 200, {"result": {"items": [{"product_id": p["product_id"], "offer_id": p["offer_id"], "archived": False,
                                           "has_fbo_stocks": False, "has_fbs_stocks": True, "is_discounted": False,
                                           "quants": []} for p in page],
                                "total": len(items), "last_id": last_id}}

    def info_list(self, body):                              # POST /v3/product/info/list
        ids = [int(i) for i in body.get("product_id") or []]
        offers = list(body.get("offer_id") or [])
        if len(ids) + len(offers) > self.batch_cap:
            return 400, {"code": 3, "message": f"too many ids: at most {self.batch_cap}", "details": []}
        items = [p for p in self.products if p["product_id"] in ids or p["offer_id"] in offers]
        return 200, {"items": [{"id": p["product_id"], "offer_id": p["offer_id"], "sku": p["sku"], "name": p["name"],
                                "description_category_id": p["description_category_id"], "type_id": p["type_id"],
                                "barcodes": [], "is_archived": False} for p in items]}

    def tree_(self, body):                                  # POST /v1/description-category/tree
        return 200, {"result": self.tree}

    def cert_list(self, body):                              # POST /v1/product/certificate/list
        page, size = int(body.get("page") or 1), int(body.get("page_size") or 50)
        size = min(size, self.page_cap)
        certs = self.certificates
        chunk = certs[(page - 1) * size: page * size]
        public = [{k: v for k, v in c.items() if k not in ("skus", "files", "params")} for c in chunk]
        return 200, {"result": {"certificates": public, "page_count": max(1, -(-len(certs) // size))}}

    def cert_products(self, body):                          # POST /v1/product/certificate/products/list
        cert = self._cert(body.get("certificate_id"))
        if cert is None:
            return 404, {"code": 5, "message": "certificate not found", "details": []}
        skus = sorted(cert["skus"])
        start, limit = int(body.get("last_id") or 0), min(int(body.get("limit") or 100), self.page_cap)
        page = skus[start:start + limit]
        by_sku = {p["sku"]: p for p in self.products}
        return 200, {"result": {"items": [{"product_id": by_sku[s]["product_id"] if s in by_sku else 0, "sku": s,
                                           "product_status_code": "verified"} for s in page],
                                "count": len(skus), "last_id": str(start + len(page)) if page else ""}}

    def reasons(self, body):                                # POST /v1/product/certificate/rejection_reasons/list
        return 200, {"result": REJECTION_REASONS}

    def create(self, body):                                 # POST /v2/product/certificate/create
        params = body.get("params") or {}
        missing = [k for k in ("certificate_type", "accordance_type", "certificate_country", "name", "number",
                               "issue_date", "expired_date", "skus", "files") if not params.get(k)]
        if missing:
            return 200, {"status": "FAILED", "params": [{"name": k.upper(), "state": "INVALID", "error": "required"} for k in missing]}
        for f in params["files"]:
            base64.b64decode(f["file_content"], validate=True)
        if params["number"].startswith("REFUSE"):
            return 400, {"code": 3, "message": "Введите корректный номер", "details": []}
        cert_id = 50000 + len(self.certificates) + 1
        expired = params["expired_date"]
        expire = "" if expired.get("infinite") else "{year:04d}-{month:02d}-{day:02d}".format(**expired["date"])
        self.certificates.append({
            "certificate_id": cert_id, "certificate_number": params["number"], "certificate_name": params["name"],
            "type_code": params["certificate_type"].lower(), "status_code": "pending",
            "accordance_type_code": params["accordance_type"], "rejection_reason_code": "", "verification_comment": "",
            "issue_date": params["issue_date"], "expire_date": expire, "products_count": len(params["skus"]),
            "skus": [int(s) for s in params["skus"]], "files": params["files"], "params": params})
        return 200, {"certificate_id": cert_id, "status": "COMPLETED"}

    def bind(self, body):                                   # POST /v1/product/certificate/bind
        cert = self._cert(body.get("certificate_id"))
        if cert is None:
            return 404, {"code": 5, "message": "certificate not found", "details": []}
        for s in body.get("skus") or []:
            if int(s) not in cert["skus"]:
                cert["skus"].append(int(s))
        cert["products_count"] = len(cert["skus"])
        return 200, {"result": True}

    def _cert(self, cert_id):
        return next((c for c in self.certificates if c["certificate_id"] == int(cert_id or 0)), None)


ROUTES = {
    "/v3/product/list": StandIn.product_list,
    "/v3/product/info/list": StandIn.info_list,
    "/v1/description-category/tree": StandIn.tree_,
    "/v1/product/certificate/list": StandIn.cert_list,
    "/v1/product/certificate/products/list": StandIn.cert_products,
    "/v1/product/certificate/rejection_reasons/list": StandIn.reasons,
    "/v2/product/certificate/create": StandIn.create,
    "/v1/product/certificate/bind": StandIn.bind,
}


def serve(state: StandIn) -> tuple[ThreadingHTTPServer, str]:
    """Start the stand-in on 127.0.0.1 (a free port) in a thread; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):       # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._send(400, {"code": 3, "message": "bad json", "details": []})
            with state.lock:
                state.requests.append(Request("POST", self.path, dict(self.headers.items()), body))
                if self.headers.get("Client-Id") != CLIENT_ID or self.headers.get("Api-Key") != API_KEY:
                    return self._send(401, {"code": 16, "message": "Invalid Api-Key, please contact support", "details": []})
                if state.faults.get(self.path):
                    status, headers, *message = state.faults[self.path].pop(0)
                    return self._send(status, {"code": 8 if status == 429 else 13 if status >= 500 else 3,
                                               "message": message[0] if message else "scripted", "details": []}, headers)
                status, answer = state.answer(self.path, body)
            self._send(status, answer)

        def _send(self, status, payload, headers=None):
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
