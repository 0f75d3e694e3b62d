"""Ozon Seller API codes for a paper, from rules/ozon.yaml: what POST /v2/product/certificate/create
takes (certificate_type, accordance_type, certificate_country, product_type, expired_date "infinite").

Shared by --ozon-sheet and anything that uploads to Ozon, so both say the same thing. The file is
checked on load: every mapped value must be one the API allows (errors name file and line)."""

from __future__ import annotations

from dataclasses import dataclass

from ..rulefile import LineDict, fail, require

MAX_NAME = 100   # the API's limit on `name`


@dataclass(frozen=True)
class OzonCodes:
    """ozon.yaml: the codes of Ozon's /v2/product/certificate/create for each kind of paper, checked against the API's enums."""
    fields: tuple[str, ...]
    allowed: dict[str, frozenset[str]]
    certificate_type: dict[str, str]          # doccheck document type -> certificate_type
    accordance_by_type: dict[str, str]
    accordance_by_scheme: dict[str, str]
    accordance_default: str
    product_by_type: dict[str, str]
    product_default: str
    default_country: str
    infinite_unless_dated: frozenset[str]
    names: dict[str, str]

    @classmethod
    def from_data(cls, data: LineDict) -> "OzonCodes":
        """Validates a parsed ozon.yaml; RuleError naming file and line."""
        allowed_node = require(data, "allowed", LineDict)
        allowed = {}
        for key in ("certificate_type", "accordance_type", "product_type"):
            values = require(allowed_node, key, list)
            allowed[key] = frozenset(str(v) for v in values)

        def mapping(node: LineDict, key: str, enum: str) -> dict[str, str]:
            table = require(node, key, LineDict)
            for k, v in table.items():
                if str(v) not in allowed[enum]:
                    raise fail(f"{key!r}: {k!r} -> {v!r} is not an allowed {enum}", table, k)
            return {str(k): str(v) for k, v in table.items()}

        def one(node: LineDict, key: str, enum: str) -> str:
            value = require(node, key, str)
            if value not in allowed[enum]:
                raise fail(f"{key!r}: {value!r} is not an allowed {enum}", node, key)
            return value

        acc = require(data, "accordance_type", LineDict)
        prod = require(data, "product_type", LineDict)
        types = mapping(data, "certificate_type", "certificate_type")
        names = {str(k): str(v) for k, v in require(data, "names", LineDict).items()}
        missing = sorted(set(types) - set(names))
        if missing:
            raise fail(f"'names': no name for {missing[0]!r}", data, "names")
        return cls(
            fields=tuple(require(data, "fields", list)), allowed=allowed, certificate_type=types,
            accordance_by_type=mapping(acc, "by_type", "accordance_type"),
            accordance_by_scheme=mapping(acc, "by_scheme", "accordance_type"),
            accordance_default=one(acc, "default", "accordance_type"),
            product_by_type=mapping(prod, "by_type", "product_type"), product_default=one(prod, "default", "product_type"),
            default_country=require(data, "default_country", str),
            infinite_unless_dated=frozenset(require(data, "infinite_unless_dated", list)), names=names)

    def for_paper(self, document_type: str, scheme: str, number: str, registered_in: str) -> dict[str, str] | None:
        """The v2 request's codes for a paper: {certificate_type, accordance_type,
        certificate_country, product_type, name}; None when Ozon has no type for it."""
        certificate_type = self.certificate_type.get(document_type)
        if certificate_type is None:
            return None
        accordance = (self.accordance_by_type.get(document_type) or self.accordance_by_scheme.get(scheme)
                      or self.accordance_default)
        return {
            "certificate_type": certificate_type,
            "accordance_type": accordance,
            "certificate_country": registered_in or self.default_country,
            "product_type": self.product_by_type.get(document_type, self.product_default),
            "name": f"{self.names[document_type]} {number}"[:MAX_NAME],
        }
