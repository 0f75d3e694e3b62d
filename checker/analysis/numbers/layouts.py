"""The parts a compiled rules/numbers.yaml is made of: field readers (one class per `read:` kind,
registered in READERS), fields, layouts, prefixes and validity wordings, and the official-form
template renderer.

A layout is data (numbers.yaml `layouts:`: a loose pattern with named groups, each group a field
read and checked strictly, an `official` template); what code decides about a layout lives on
Layout: its scheme (fixed, by a field's value, or the prefix's) and its document type (fixed, by a
field's value, or from the form's title). A new way of reading a field is one FieldReader class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar

if TYPE_CHECKING:
    from .rules import NumberRules

_SECTION = re.compile(r"\[([^\[\]]*)\]")
TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


# -- field readers --------------------------------------------------------------------------------

class FieldReader:
    """How one field's characters are read before the strict check (numbers.yaml `read:`).
    `reported`: a reading that changed the characters is listed among the number's repairs."""
    name: ClassVar[str] = ""
    reported: ClassVar[bool] = True

    @staticmethod
    def read(compact: str, rules: "NumberRules") -> str:
        """The field's value from its characters without whitespace."""
        raise NotImplementedError


READERS: dict[str, type[FieldReader]] = {}


def reader(cls: type[FieldReader]) -> type[FieldReader]:
    """Class decorator: registers a FieldReader under its `name` (the YAML `read:` value)."""
    READERS[cls.name] = cls
    return cls


@reader
class LatinReader(FieldReader):
    """Latin capitals (state codes): Cyrillic look-alikes made Latin; whole misread codes fixed
    by numbers.yaml `lookalikes.country_codes` ("СМ" -> "CN")."""
    name = "latin"

    @staticmethod
    def read(compact, rules):
        """A known misread state code fixed whole, else Cyrillic look-alikes made Latin, upper case."""
        fixed = rules.country_fixes.get(compact)
        return fixed if fixed else compact.translate(rules.to_latin).upper()


@reader
class CyrillicReader(FieldReader):
    """Cyrillic capitals (series letters): Latin look-alikes made Cyrillic."""
    name = "cyrillic"

    @staticmethod
    def read(compact, rules):
        """Latin look-alikes made Cyrillic, upper case."""
        return compact.translate(rules.to_cyrillic).upper()


@reader
class DigitsReader(FieldReader):
    """Digits: letters OCR reads for digits made digits ("O" -> "0", "l" -> "1")."""
    name = "digits"

    @staticmethod
    def read(compact, rules):
        """Letters read for digits made digits."""
        return compact.translate(rules.to_digits)


@reader
class BodyReader(FieldReader):
    """A certification body code: two Cyrillic letters, then digits ("PA0l" -> "РА01")."""
    name = "body"

    @staticmethod
    def read(compact, rules):
        """The first two characters as Cyrillic capitals, the rest as digits."""
        return compact[:2].translate(rules.to_cyrillic).upper() + compact[2:].translate(rules.to_digits)


@reader
class TextReader(FieldReader):
    """As written (whitespace dropped); never reported as a repair."""
    name = "text"
    reported = False

    @staticmethod
    def read(compact, rules):
        """The characters unchanged."""
        return compact


# -- compiled parts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One named group of a layout's pattern: how it is read and what it must then be."""
    name: str
    read: str
    required: bool
    match: re.Pattern | None
    one_of: frozenset[str] | None
    problem: str
    missing: str


@dataclass(frozen=True)
class Layout:
    """One number layout of numbers.yaml (`layouts:`), compiled."""
    name: str
    pattern: re.Pattern
    fields: tuple[Field, ...]
    official: str
    doc_type: str | None                 # fixed type, or None
    doc_type_field: str | None
    doc_type_map: dict[str, str]
    doc_type_default: str | None
    registered_in: str | None
    scheme: str | None = None                 # the layout fixes the scheme (voluntary system, СГР)
    scheme_field: str | None = None           # ...or a field's value picks it (GOST R series Н/С)
    scheme_map: tuple[tuple[str, str], ...] = ()

    def scheme_for(self, values: dict[str, str], default: str) -> str:
        """The scheme of a number read with this layout: fixed by the layout, else picked by a
        field's value, else `default` (the prefix's)."""
        if self.scheme:
            return self.scheme
        if self.scheme_field:
            return dict(self.scheme_map).get(values.get(self.scheme_field, ""), default)
        return default

    def doc_type_for(self, values: dict[str, str], title: Callable[[], str | None]) -> str:
        """certificate or declaration: fixed by the layout, else by a field's value, else the
        form's title (`title()`), else certificate."""
        doc_type = self.doc_type
        if doc_type is None and self.doc_type_field:
            doc_type = self.doc_type_map.get(values.get(self.doc_type_field, ""), self.doc_type_default)
        return doc_type or title() or "certificate"


@dataclass(frozen=True)
class Prefix:
    """A register prefix (ЕАЭС, ТС, РОСС, the EAC mark...) and the layouts that may follow it."""
    name: str
    scheme: str
    spellings: tuple[str, ...]
    display: str
    mark: str
    quick: re.Pattern                     # any of the layouts, no groups: rejects most anchors in one call
    options: tuple[tuple[Layout, str, str, str], ...]
    era: tuple[str, str] | None = None    # (scheme with a /year, scheme without): the EAC mark


@dataclass(frozen=True)
class Wording:
    """A validity wording (numbers.yaml `validity:`): groups from / until / registered."""
    pattern: re.Pattern
    from_registration: bool


def render(template: str, values: dict[str, str]) -> str:
    """An official-form template with its fields filled in; a [section] is kept only when every
    field in it has a value ("ЕАЭС N {state} [{mark}]...")."""
    def section(m: re.Match) -> str:
        inner = m.group(1)
        names = TEMPLATE_FIELD.findall(inner)
        return inner if all(values.get(n) for n in names) else ""
    out = _SECTION.sub(section, template)
    return TEMPLATE_FIELD.sub(lambda m: values.get(m.group(1), ""), out)
