"""Conformity-document registration numbers, validity dates and cited regulations, read from the
dirty text of PDF text layers and tesseract OCR. The patterns live in rules/numbers.yaml.

Modules: model (ConformityNumber, Validity, SCHEMES, DOC_TYPES), layouts (field readers, one
class per `read:` kind; Layout, Prefix, Wording; the official-form renderer), rules (NumberRules,
the compiled file), compiler (numbers.yaml checked and compiled step by step), finders
(find_numbers, find_validity, find_regulations, document_title).

Candidates are found by a prefix (ЕАЭС/ТС/РОСС), a bare "RU С-"/"RU Д-", or a form title followed by
"№"; each is matched loosely, then normalised field by field and checked strictly, so a malformed
number comes back with a problem text instead of being missed.

Where each layout came from. Decision 293 of the EEC Collegium (25.12.2012, ed. 154 of 15.11.2016)
fixes the forms and leaves the number to each member state; its text was not in the searchable
sources, so every layout below was checked against register numbers quoted in public GitHub code:
- RU/TC/bare `ЕАЭС N RU Д-TR.РА01.А.44855/19`, `ЕАЭС RU С-CN.НВ26.В.04260/24`: pub.fsa.gov.ru lookup scripts, WB upload tests.
- early TC `ТС N RU Д-RU.АЕ67.В01835` (no dot, no year): declaration forms' placeholders in public sites' code.
- GOST R `РОСС RU.АИ86.Д00320`, `РОСС JP.МЕ20.Д00600` (Д = declaration): pharmacy invoice parser tests.
- GOST R since 2019 `РОСС RU С-RU.НВ34.В.00690/26`, `РОСС RU Д-RU.РА01.В.11940/26`: FSA API request examples.
- BY `ЕАЭС BY/112 02.01. ТР018 010.02 00276` (02 cert, 11 decl): Bostich2/cert-parser EEC register fixture.
- KZ `ЕАЭС KZ 7500533.01.01.06080`: cert-parser EEC register fixture; an eokno form script builds the same parts.
- KG `ЕАЭС KG417/039.RU.02.06810`, `ЕАЭС KG417/013.Д.0002575`: swis.trade.kg parser tests (cert-parser and others).
- AM `ЕАЭС AM-008/S.A-0175-2018`: one EEC register record in cert-parser; AM in the RU layout is accepted unverified.
- Date wordings are those printed on the Decision 293 forms (as given in the brief, not re-checked).

A number whose layout is not recognised at all (after a title) has scheme "eaeu" and registered_in "".
"""

from .finders import document_title, find_numbers, find_regulations, find_validity
from .layouts import READERS, FieldReader, reader
from .model import DOC_TYPES, SCHEMES, ConformityNumber, Validity
from .rules import NumberRules

READS = tuple(READERS)

__all__ = ["DOC_TYPES", "READERS", "READS", "SCHEMES", "ConformityNumber", "FieldReader", "NumberRules", "Validity",
           "document_title", "find_numbers", "find_regulations", "find_validity", "reader"]
