"""`doccheck ozon products`: every product of the account with its Ozon type, as a SKU list.

Calls (Seller API, version noted beside each):
  POST /v3/product/list              paged with last_id to the end ({filter: {visibility: ALL}, last_id, limit})
  POST /v3/product/info/list         in batches of INFO_BATCH product ids: name, sku, description_category_id, type_id
  POST /v1/description-category/tree once, cached for a day: the type's Russian name and its category path
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..report.output import csv_text, defuse_cell, write_atomic
from .client import OzonClient, OzonError

PAGE_LIMIT = 1000            # /v3/product/list: at most 1000 a page (Ozon's maximum)
INFO_BATCH = 100             # /v3/product/info/list: ids per call (Ozon takes up to 1000; smaller batches fail smaller)
TREE_TTL = 24 * 3600         # the category tree is cached for a day
PRODUCT_COLUMNS = ["sku", "ozon_sku", "product_id", "name", "brand", "category", "category_path"]


@dataclass(frozen=True)
class OzonProduct:
    """One product: sku is the seller's offer_id, ozon_sku Ozon's SKU (0 before it has one),
    category Ozon's type name in Russian, category_path the description categories above it."""
    sku: str
    ozon_sku: int
    product_id: int
    name: str
    brand: str
    category: str
    category_path: str

    def row(self) -> list[object]:
        """The product as a row of PRODUCT_COLUMNS; ozon_sku is "" while Ozon has given none."""
        return [self.sku, self.ozon_sku or "", self.product_id, self.name, self.brand, self.category, self.category_path]


def _pages(client: OzonClient, path: str, body: dict, items_of) -> Iterator[dict]:
    """Items of a last_id-paged method to the end: stops on an empty page, an empty or repeated last_id."""
    last_id, seen = "", set()
    while True:
        answer = client.post(path, {**body, "last_id": last_id})
        items, last_id = items_of(answer)
        yield from items
        if not items or not last_id or last_id in seen:
            return
        seen.add(last_id)


def _product_list_page(answer: dict) -> tuple[list[dict], str]:
    result = answer.get("result") or {}
    return list(result.get("items") or []), str(result.get("last_id") or "")


def list_product_ids(client: OzonClient, offer_ids: Iterable[str] | None = None) -> list[int]:
    """product_id of every product (visibility ALL), or of the given offer_ids. POST /v3/product/list."""
    filt: dict = {"visibility": "ALL"}
    wanted = sorted(set(offer_ids)) if offer_ids is not None else None
    if wanted is not None:
        ids: list[int] = []
        for start in range(0, len(wanted), PAGE_LIMIT):
            body = {"filter": {**filt, "offer_id": wanted[start:start + PAGE_LIMIT]}, "limit": PAGE_LIMIT}
            ids.extend(int(i["product_id"]) for i in _pages(client, "/v3/product/list", body, _product_list_page))
        return ids
    body = {"filter": filt, "limit": PAGE_LIMIT}
    return [int(i["product_id"]) for i in _pages(client, "/v3/product/list", body, _product_list_page)]


def product_info(client: OzonClient, product_ids: list[int]) -> list[dict]:
    """The items of POST /v3/product/info/list for product_ids, INFO_BATCH at a time."""
    items: list[dict] = []
    for start in range(0, len(product_ids), INFO_BATCH):
        answer = client.post("/v3/product/info/list", {"product_id": [str(i) for i in product_ids[start:start + INFO_BATCH]]})
        items.extend(answer.get("items") or [])
    return items


def ozon_skus_for(client: OzonClient, offer_ids: Iterable[str]) -> dict[str, int]:
    """offer_id -> Ozon SKU for the seller's SKUs that exist on the account (and have an Ozon SKU)."""
    wanted = set(offer_ids)
    if not wanted:
        return {}
    items = product_info(client, list_product_ids(client, wanted))
    return {str(i["offer_id"]): int(i["sku"]) for i in items if i.get("offer_id") in wanted and i.get("sku")}


# --- the category tree -------------------------------------------------------------------------

def _walk(nodes: list[dict], path: tuple[str, ...], category_id: int | None, out: dict[tuple[int, int], tuple[str, str]]) -> None:
    for node in nodes or []:
        if node.get("type_id"):
            out[(int(category_id or 0), int(node["type_id"]))] = (str(node.get("type_name") or ""), " / ".join(path))
            continue
        name = str(node.get("category_name") or "")
        _walk(node.get("children") or [], path + ((name,) if name else ()), node.get("description_category_id") or category_id, out)


def type_names(tree: list[dict]) -> dict[tuple[int, int], tuple[str, str]]:
    """(description_category_id, type_id) -> (type_name, "Parent / Category") from the tree's `result`."""
    out: dict[tuple[int, int], tuple[str, str]] = {}
    _walk(tree, (), None, out)
    return out


def category_tree(client: OzonClient, cache_dir: Path | None, now: float | None = None) -> list[dict]:
    """The tree in Russian (language DEFAULT), from CACHE_DIR when fetched less than a day ago.

    The cache file is keyed by the API's URL only (the tree is the same for every account) and holds
    nothing but the tree."""
    now = time.time() if now is None else now
    cache = None
    if cache_dir is not None:
        digest = hashlib.sha256(client.base_url.encode()).hexdigest()[:16]
        cache = Path(cache_dir) / f"ozon-category-tree-{digest}.json"
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            if now - float(data["fetched_at"]) < TREE_TTL:
                return data["result"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    tree = client.post("/v1/description-category/tree", {"language": "DEFAULT"}).get("result") or []
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(cache, json.dumps({"fetched_at": now, "result": tree}, ensure_ascii=False))
        except OSError:
            pass        # a cache we cannot write only costs one more call next time
    return tree


def fetch_products(client: OzonClient, cache_dir: Path | None) -> list[OzonProduct]:
    """Every product of the account, in Ozon's order, with its type name and category path."""
    ids = list_product_ids(client)
    names = type_names(category_tree(client, cache_dir)) if ids else {}
    products = []
    for item in product_info(client, ids):
        type_name, path = names.get((int(item.get("description_category_id") or 0), int(item.get("type_id") or 0)), ("", ""))
        products.append(OzonProduct(sku=str(item.get("offer_id") or ""), ozon_sku=int(item.get("sku") or 0),
                                    product_id=int(item.get("id") or 0), name=str(item.get("name") or ""),
                                    brand=str(item.get("brand") or ""), category=type_name, category_path=path))
    return products


def write_products(products: list[OzonProduct], path: Path) -> None:
    """CSV (UTF-8 with BOM, a valid --skus list) or, for a .xlsx name, an Excel sheet (openpyxl)."""
    if path.suffix.casefold() == ".xlsx":
        _write_xlsx(products, path)
    else:
        write_atomic(path, csv_text(PRODUCT_COLUMNS, [p.row() for p in products]), encoding="utf-8-sig")


def _write_xlsx(products: list[OzonProduct], path: Path) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "products"
    sheet.append(PRODUCT_COLUMNS)
    for p in products:
        sheet.append([v if isinstance(v, int) else defuse_cell(v) for v in p.row()])
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())   # temp file, then rename, mode 0640, like every report


def unmapped_types(rows: list[dict[str, str]], rules) -> list[tuple[str, int]]:
    """Ozon type names of a products list (its `category` column) that map to no doccheck category,
    with how many SKUs have each, most frequent first."""
    counts: dict[str, int] = {}
    for row in rows:
        name = (row.get("category") or "").strip()
        if name and rules.category_for(name) is None:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


__all__ = ["OzonError", "OzonProduct", "fetch_products", "write_products", "ozon_skus_for", "unmapped_types"]
