"""Stage 7a: which SKU (or the KYC set) each file belongs to.

A file belongs to a SKU when a folder on its path is named exactly as the SKU, or when the SKU
is a whole token of its name (RU_PB-1005_manual.pdf). A folder named KYC (any case) holds KYC papers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Group

KYC_FOLDER = "kyc"


def _token_pattern(skus: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so PB-1005-XL wins over PB-1005 in RU_PB-1005-XL_manual.pdf.
    ordered = sorted(set(skus), key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(s) for s in ordered)
    return re.compile(rf"(?<![0-9A-Za-zА-Яа-яЁё])({alternatives})(?![0-9A-Za-zА-Яа-яЁё])", re.IGNORECASE)


class SkuMapper:
    def __init__(self, skus: Iterable[str] | None):
        self.known = list(skus) if skus is not None else None
        self._exact = set(self.known or ())
        self._folded = {s.casefold(): s for s in self.known or ()}
        self._pattern = _token_pattern(self.known or ())

    def assign(self, parts: tuple[str, ...]) -> tuple[Group, str | None]:
        folders = parts[:-1]
        if any(f.casefold() == KYC_FOLDER for f in folders):
            return Group.KYC, None
        if self.known is None:
            # No SKU list: each folder that holds files is a SKU; files at the top are unmapped.
            return (Group.SKU, folders[-1]) if folders else (Group.UNMAPPED, None)
        for folder in reversed(folders):
            if folder in self._exact:
                return Group.SKU, folder
        if self._pattern is not None:
            match = self._pattern.search(parts[-1])
            if match:
                return Group.SKU, self._folded[match.group(1).casefold()]
        return Group.UNMAPPED, None
