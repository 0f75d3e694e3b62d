"""Stage 3, how far to read: a file is read page by page until its verdict's facts are on the
pages read, then reading stops (issue 18). A page never read is never OCR'd.

The pages that *may* be read are those of ``pages_to_read`` (rules/limits.yaml ``pages``: the
first ``first`` pages, for a paper's facts, plus ``sample`` pages spread over the rest, for the
language). Page 1 is always read; then what it is decides the order and the stop:

* **a registered paper** (page 1 names a paper judged on its registration number, file_types.yaml
  ``number_required``: a certificate of conformity, a declaration, a state registration
  certificate or a medical device's registration certificate, by its title or the shape of its
  number): the first pages in order, until the pages read hold its registration number, its dates (the registration or start date, and the end date for certificates
  and declarations) and the technical regulations it cites (certificates and declarations; the
  numbering of TR TS/TR EAEU). Decision 293's forms print all of that, the product field and the
  page-count statement ("Лист 1 из 2") on the first sheet, so a form is read in one page and its
  annex is not OCR'd. Whatever page-count statement the pages read hold is kept (the judge
  compares it with the pages the file has: reason document_incomplete); the read does not go on
  to look for one, since most papers print none;
* **another paper** (a test report, a refusal letter, a safety data sheet, a voluntary
  certificate, an invoice): no number or date of it is judged, so page 1, which names it, is enough;
* **anything else** (a manual, an unknown paper): its language. Next come the sample pages
  spread over the rest, then the other first pages; the read stops once page 1 and a later page
  have been read and every page read with enough letters is Russian (rules/limits.yaml
  ``pages.settle_*``). A page in another language keeps the read going through every page that may be
  read, as before: a bilingual manual's Russian half may come later.

KYC papers are read whole (up to the same limits): their evidence (a notary's stamp, an
apostille, a visa page) may be on any page. The decision is a pure function of the text read and
:class:`ReadingNeeds`, whose ``key`` is part of the facts' cache key (ExtractSettings.key()); the
analysis code it runs is covered by the reading code's digest (cache_keys). So a file's pages are
the same whatever ``--jobs`` or the executor: pages are decided one at a time, in this order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..analysis.doctypes import DocumentTypeRules
from ..analysis.language import script_shares
from ..analysis.numbers import find_numbers, find_regulations, find_validity
from ..analysis.numbers.rules import NumberRules

__all__ = ["ReadingNeeds", "ReadingPlan", "STOP_PAPER", "STOP_TYPE", "STOP_LANGUAGE"]

# Why a read stopped before the last page that may be read: the rules/messages.yaml id of the note.
STOP_PAPER = "read.stopped_paper"        # the paper's type, number, dates and regulations are on the pages read
STOP_TYPE = "read.stopped_type"          # page 1 names a paper whose type alone decides
STOP_LANGUAGE = "read.stopped_language"  # the language of what was read is settled (Russian)

# Paper types whose form prints the technical regulations the product meets, and an end date.
_CITE_REGULATIONS = frozenset({"certificate_of_conformity", "declaration"})


@dataclass(frozen=True)
class ReadingNeeds:
    """What the stop rule looks for, compiled from the rule files that say it: the number and date
    patterns and the technical regulations' numbering (numbers.yaml), the papers' titles and
    number shapes (file_types.yaml ``document_types``), when a manual's language is settled
    (limits.yaml ``pages``: ``settle_min_letters`` a page needs to count, ``settle_cyrillic_share``
    of Cyrillic letters that makes it Russian; reading's own, not the judge's ``language``).

    ``key`` (a hash of those files' bytes and the limits) stands for all of it in the facts' cache
    key; the compiled rules are neither compared nor part of ``repr``."""
    key: str
    min_letters: int
    russian_min_share: float
    numbers: NumberRules = field(compare=False, repr=False)
    document_types: DocumentTypeRules = field(compare=False, repr=False)

    @classmethod
    def build(cls, sources: dict[str, bytes], min_letters: int, russian_min_share: float,
              numbers: NumberRules, document_types: DocumentTypeRules) -> "ReadingNeeds":
        """From the rule files' bytes by name (numbers.yaml, file_types.yaml) and the compiled rules."""
        digest = hashlib.sha256()
        for name in sorted(sources):
            digest.update(f"{name}\0{len(sources[name])}\0".encode() + sources[name])
        digest.update(f"letters={min_letters},russian={russian_min_share}".encode())
        return cls(digest.hexdigest()[:16], min_letters, russian_min_share, numbers, document_types)

    def __str__(self) -> str:   # as ExtractSettings.key() shows it
        return self.key


@dataclass
class ReadingPlan:
    """The order in which a file's pages are read and when to stop (module doc).

    ``candidates``: the 0-based pages that may be read (pages_to_read), ``first``: how many of them
    are the first pages. Call :meth:`next_page` for the page to read next (None: stop), then
    :meth:`read` with its text. ``stopped``: the message id of why the read stopped early ("" when
    it read every candidate or was never asked to stop, ``needs`` None)."""
    candidates: list[int]
    first: int
    needs: ReadingNeeds | None
    done: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    stopped: str = ""
    _queue: list[int] = field(default_factory=list)
    _kind: str = ""                    # "" before page 1; "conformity", "other" or "language"

    def __post_init__(self) -> None:
        self._queue = list(self.candidates)

    def next_page(self) -> int | None:
        """The next page to read (0-based), or None when what the verdict needs has been read."""
        if self.stopped or not self._queue:
            return None
        return self._queue[0]

    def read(self, index: int, text: str) -> None:
        """Record the text of page ``index`` (the one next_page gave) and decide what comes next."""
        self._queue.remove(index)
        self.done.append(index)
        self.texts[index] = text
        if self.needs is None or not self._queue:
            return
        if not self._kind:
            self._kind = self._classify(text)
            if self._kind == "language":   # samples spread over the rest first, then the other first pages
                spread = [i for i in self._queue if i >= self.first]
                self._queue = spread + [i for i in self._queue if i < self.first]
            elif self._kind == "conformity":   # a form's facts are on its first pages, in order
                self._queue = [i for i in self._queue if i < self.first]
        self.stopped = self._stop()

    def _so_far(self) -> str:
        return "\n".join(self.texts[i] for i in sorted(self.texts))

    def _classify(self, text: str) -> str:
        needs = self.needs
        numbers = find_numbers(text, needs.numbers)
        kind = needs.document_types.classify(needs.numbers.fold(text), numbers)
        if kind is None:
            return "language"
        return "conformity" if needs.document_types.papers[kind.paper].number_required else "other"

    def _stop(self) -> str:
        if self._kind == "other":
            return STOP_TYPE
        if self._kind == "conformity":
            return STOP_PAPER if self._paper_complete() else ""
        return STOP_LANGUAGE if self._language_settled() else ""

    def _paper_complete(self) -> bool:
        needs, text = self.needs, self._so_far()
        numbers = find_numbers(text, needs.numbers)
        kind = needs.document_types.classify(needs.numbers.fold(text), numbers)
        if kind is None:
            return False
        if needs.document_types.papers[kind.paper].number_required and not any(n.well_formed for n in numbers):
            return False
        validity = find_validity(text, needs.numbers)
        if validity.registered is None and validity.valid_from is None:
            return False
        if kind.type in _CITE_REGULATIONS:
            return validity.valid_until is not None and bool(find_regulations(text, needs.numbers))
        return True

    def _language_settled(self) -> bool:
        if len(self.done) < 2:
            return False
        needs = self.needs
        for index in self.done:
            shares, letters = script_shares(self.texts[index])
            if letters >= needs.min_letters and shares.get("cyrillic", 0.0) < needs.russian_min_share:
                return False
        shares, letters = script_shares(self._so_far())
        return letters >= needs.min_letters and shares.get("cyrillic", 0.0) >= needs.russian_min_share
