"""A progress bar on a terminal (files done, pages OCR'd, time left); silent otherwise."""

from __future__ import annotations

import sys

from ..models import FileFacts


class Progress:
    """A tqdm bar on stderr: files done (cache hits counted from the start) and pages OCR'd. Shown only
    when enabled, stderr is a terminal and there is a file; otherwise every call does nothing. Use as
    a context manager."""
    def __init__(self, total: int, already: int = 0, enabled: bool = True, lang: str | None = None):
        """`total` files, `already` of them done (cache hits); words in `lang` (built-in messages)."""
        from ..i18n import Translator

        self.tr = Translator(lang)
        self.enabled = enabled and sys.stderr.isatty() and total > 0
        self.total, self.already, self.pages = total, already, 0
        self.bar = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, initial=self.already, unit=" " + self.tr.t("progress.unit"), file=sys.stderr,
                            leave=False, dynamic_ncols=True, desc=self.tr.t("progress.reading"))
        return self

    def update(self, facts: FileFacts | None) -> None:
        """One more file done; its `facts` (None when reading it failed) add their OCR'd pages to the count."""
        if self.bar is None:
            return
        if facts is not None:
            self.pages += len(facts.ocr_pages)
        self.bar.set_postfix_str(self.tr.t("progress.pages", pages=self.pages), refresh=False)
        self.bar.update(1)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
