"""Stage 7a: which SKU (or the KYC set) each file belongs to.

A file belongs to a SKU when a folder on its path is named exactly as the SKU, or when the SKU
is a whole token of its name (RU_PB-1005_manual.pdf). A folder named KYC (any case) holds KYC papers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .models import Group

KYC_FOLDER = "kyc"


_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]")


def _token_match(name: str, folded: dict[str, str]) -> str | None:
    """The SKU written as a whole token of `name` (not inside a longer word or number): the leftmost
    one, and at that place the longest (PB-1005-XL wins over PB-1005 in RU_PB-1005-XL_manual.pdf).
    A look-up per pair of token boundaries, so a list of a million SKUs costs a dict, not a regex."""
    word = [bool(_WORD.match(ch)) for ch in name]
    starts = [i for i in range(len(name)) if i == 0 or not word[i - 1]]
    ends = [j for j in range(len(name), 0, -1) if j == len(name) or not word[j]]
    for start in starts:
        for end in ends:
            if end > start:
                sku = folded.get(name[start:end].casefold())
                if sku is not None:
                    return sku
    return None


class SkuMapper:
    def __init__(self, skus: Iterable[str] | None):
        self.known = list(skus) if skus is not None else None

    # Built on the first file that needs them: a million-row SKU list and a folder of few files
    # (or none) should not pay for two more copies of the list.
    @functools.cached_property
    def _exact(self) -> set[str]:
        return set(self.known or ())

    @functools.cached_property
    def _folded(self) -> dict[str, str]:
        return {s.casefold(): s for s in self.known or ()}

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
        sku = _token_match(parts[-1], self._folded) if self._folded else None
        return (Group.SKU, sku) if sku is not None else (Group.UNMAPPED, None)
