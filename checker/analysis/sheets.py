"""How many sheets or pages a paper says it has (rules/sheets.yaml), to see a file that lacks some.

Pure: text in, a count out. The judge compares the count with the pages the file holds
(reason document_incomplete); the rule file says where the statements come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..rulefile import LineDict, LineList, Field, fail, load_yaml, read_fields, require


# sheets.yaml: the fields of one statement
_STATEMENT = {"name": Field(str, nonempty=True), "pattern": Field(str, nonempty=True),
              "adds_cover": Field(bool, required=False, default=False)}


@dataclass(frozen=True)
class SheetStatement:
    """One statement of sheets.yaml: a pattern with a group `total`, and whether the count leaves out the cover sheet."""
    name: str
    regex: re.Pattern[str]
    adds_cover: bool          # the count is an appendix's: the document holds one sheet more


@dataclass(frozen=True)
class SheetRules:
    """Compiled rules/sheets.yaml. Build with from_data() (errors name the file and line)."""
    statements: tuple[SheetStatement, ...]
    number_words: dict[str, int]
    max_total: int

    @classmethod
    def load(cls, path: Path) -> "SheetRules":
        """Reads and validates a sheets.yaml; RuleError naming file and line."""
        return cls.from_data(load_yaml(Path(path)))

    @classmethod
    def from_data(cls, data: LineDict) -> "SheetRules":
        """Validates a parsed sheets.yaml; RuleError naming file and line."""
        items = require(data, "statements", LineList)
        statements = []
        for item in items:
            if not isinstance(item, LineDict):
                raise fail("each statement must be a mapping with name and pattern", data, "statements")
            spec = read_fields(item, _STATEMENT, "statement")
            name, pattern = spec["name"], spec["pattern"]
            try:
                regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)
            except re.error as exc:
                raise fail(f"statement {name!r}: bad regular expression ({exc})", item, "pattern") from None
            if "total" not in regex.groupindex or regex.search("") is not None:
                raise fail(f"statement {name!r}: the pattern needs a named group 'total' and must not match empty text",
                           item, "pattern")
            statements.append(SheetStatement(name, regex, spec["adds_cover"]))
        words = require(data, "number_words", LineDict)
        for word, value in words.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise fail(f"number word {word!r} must be a whole number from 1", words, word)
        max_total = require(data, "max_total", int)
        return cls(tuple(statements), {str(w).casefold(): v for w, v in words.items()}, max_total)

    def stated_pages(self, text: str) -> int | None:
        """The most sheets the text says its document has (an appendix's count plus its cover), or
        None when it says nothing readable. Counts above max_total are misreads and ignored."""
        best = None
        for statement in self.statements:
            for match in statement.regex.finditer(text):
                raw = match.group("total")
                total = int(raw) if raw.isdigit() else self.number_words.get(raw.casefold())
                if not total or total > self.max_total:
                    continue
                total += statement.adds_cover
                best = total if best is None else max(best, total)
        return best
