"""What kind of paper a file is, in Ozon's vocabulary, told from its content (rules/file_types.yaml
`document_types`; docs/document-types.md).

Evidence, strongest first:
  1. a form title printed in capitals ("ПРОТОКОЛ ИСПЫТАНИЙ", "РЕГИСТРАЦИОННОЕ УДОСТОВЕРЕНИЕ"): the
     earliest one in the text decides, since a paper's own title comes before anything it quotes;
  2. the shape of its registration number (РЗН 2025/25937 is a medical device's РУ, a СГР number a
     state registration certificate, РОСС …Н… a voluntary certificate);
  3. a title in any case, or wording ("не подлежит обязательной сертификации").
A certificate titled as such whose number or wording says it is voluntary is a voluntary certificate.
The file name is never evidence here; checker.judging.file.analyse uses it only when the content is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..rulefile import LineDict, fail, require

TYPES = ("certificate_of_conformity", "declaration", "certificate_of_registration", "registration_certificate",
         "refused_letter", "safety_data_sheet", "voluntary_certificate", "other")
# Ozon's own types (the ones a category can accept); voluntary_certificate and other are doccheck's.
OZON_TYPES = TYPES[:6]


@dataclass(frozen=True)
class Paper:
    """One paper of file_types.yaml `document_types.papers`: its Ozon type, whether it confirms conformity, whether it needs a number."""
    key: str                      # test_report, certificate_of_conformity, …
    type: str                     # one of TYPES
    conformity: bool              # offered as a SKU's conformity paper
    number_required: bool
    titles: tuple[str, ...]
    wording: tuple[str, ...]
    names: tuple[tuple[str, str], ...]

    def name(self, lang: str = "en") -> str:
        """The paper's name in `lang` (its `names` in file_types.yaml), the English one when `lang` has none."""
        names = dict(self.names)
        return names.get(lang) or names["en"]


@dataclass(frozen=True)
class Classified:
    """The paper a text was found to be, and the evidence (title phrase or number)."""
    paper: str                    # Paper.key
    type: str                     # Paper.type
    evidence: str                 # "title:ПРОТОКОЛ ИСПЫТАНИЙ", "number:РЗН 2025/25937", "wording:…"


class DocumentTypeRules:
    """Compiled `document_types` of rules/file_types.yaml."""

    def __init__(self, papers: dict[str, Paper], by_number: dict[str, str], fold_table: dict[int, str] | None = None):
        self.papers = papers
        self.by_number = by_number
        order = {k: i for i, k in enumerate(papers)}
        self._group_keys = {f"p_{i}": k for k, i in order.items()}

        def phrases(attr: str) -> dict[str, str]:
            # phrases are folded like the text they are looked for in (Latin look-alikes to Cyrillic)
            return {p.translate(fold_table or {}): k for k, paper in papers.items() for p in getattr(paper, attr)}
        self._titles = _alternation(phrases("titles"), order, ignore_case=False)
        self._titles_any = _alternation(phrases("titles"), order, ignore_case=True)
        self._wording = _alternation(phrases("wording"), order, ignore_case=True)

    @classmethod
    def from_data(cls, data: LineDict, fold_table: dict[int, str] | None = None) -> "DocumentTypeRules":
        """Validates file_types.yaml's `document_types`; RuleError naming file and line."""
        node = require(data, "document_types", LineDict)
        papers_node = require(node, "papers", LineDict)
        papers: dict[str, Paper] = {}
        from ..i18n import check_translations

        for key, spec in papers_node.items():
            if not isinstance(spec, LineDict):
                raise fail(f"paper {key!r} must be a mapping", papers_node, key)
            kind = require(spec, "type", str)
            if kind not in TYPES:
                raise fail(f"paper {key!r}: type {kind!r} is not one of {', '.join(TYPES)}", spec, "type")
            titles = tuple(_strings(spec, "titles"))
            wording = tuple(_strings(spec, "wording", optional=True))
            names = require(spec, "names", LineDict)
            papers[key] = Paper(str(key), kind, require(spec, "conformity", bool), require(spec, "number_required", bool),
                                titles, wording, tuple(check_translations(names, f"paper {key!r} names").items()))
        numbers = require(node, "numbers", LineDict)
        by_number = {}
        for scheme, paper in numbers.items():
            if paper not in papers:
                raise fail(f"numbers: {scheme!r} names no paper {paper!r}", numbers, scheme)
            by_number[str(scheme)] = str(paper)
        for needed in ("certificate", "declaration"):
            if needed not in by_number:
                raise fail(f"numbers: {needed!r} is missing", numbers)
        return cls(papers, by_number, fold_table)

    def paper_of_number(self, scheme: str, doc_type: str) -> str:
        """The paper a number's scheme (and С/Д letter) says it is."""
        return self.by_number.get(scheme) or self.by_number[doc_type]

    def classify(self, folded: str, numbers) -> Classified | None:
        """The paper a text is. `folded`: the text with Latin look-alikes folded to Cyrillic
        (NumberRules.fold); `numbers`: numbers.ConformityNumber-like objects in text order
        (scheme, doc_type, official, well_formed). None when the content says nothing."""
        first = next((n for n in numbers if n.well_formed), numbers[0] if numbers else None)
        by_number = self.paper_of_number(first.scheme, first.doc_type) if first else None
        m = self._titles.search(folded) if self._titles else None
        if m is not None:
            key = self._key(m)
            if self.papers[key].type in ("certificate_of_conformity", "declaration"):
                # the form says "certificate"; its number or wording may say voluntary
                if by_number and self.papers[by_number].type == "voluntary_certificate":
                    return self._result(by_number, f"number:{first.official}")
                w = self._wording.search(folded) if self._wording else None
                if w is not None and self.papers[self._key(w)].type == "voluntary_certificate":
                    return self._result(self._key(w), f"wording:{w.group(0)}")
            return self._result(key, f"title:{' '.join(m.group(0).split())}")
        if by_number:
            return self._result(by_number, f"number:{first.official}")
        for pattern, kind in ((self._titles_any, "title"), (self._wording, "wording")):
            m = pattern.search(folded) if pattern else None
            if m is not None:
                return self._result(self._key(m), f"{kind}:{' '.join(m.group(0).split())}")
        return None

    def _key(self, m: re.Match) -> str:
        return self._group_keys[m.lastgroup]  # type: ignore[index]

    def _result(self, key: str, evidence: str) -> Classified:
        return Classified(key, self.papers[key].type, evidence)


def _alternation(phrases: dict[str, str], order: dict[str, int], ignore_case: bool) -> re.Pattern | None:
    """One pattern for all phrases; each paper's group is p_<index in papers order>; longer phrases first."""
    if not phrases:
        return None
    groups: dict[str, list[str]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        groups.setdefault(phrases[phrase], []).append(r"\s+".join(re.escape(w) for w in phrase.split()))
    parts = sorted(groups.items(), key=lambda kv: -max(len(p) for p in kv[1]))
    source = "|".join(f"(?P<p_{order[k]}>{'|'.join(v)})" for k, v in parts)
    return re.compile(source, re.IGNORECASE if ignore_case else 0)


def _strings(spec: LineDict, key: str, optional: bool = False) -> list[str]:
    items = require(spec, key, list, optional=optional, default=[])
    if not all(isinstance(i, str) and i.strip() for i in items):
        raise fail(f"{key!r} must list non-empty strings", spec, key)
    return items
