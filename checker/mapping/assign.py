"""Stage 7a: which SKU (or the KYC set) each file belongs to.

A file belongs to a SKU when a folder on its path is named as the SKU (exactly, else with case and
outer spaces ignored), or when the SKU is a whole token of its name (RU_PB-1005_manual.pdf). A
folder named KYC (any case) holds KYC papers. Without a SKU list, each top-level folder is a SKU.

Names are compared as text, not bytes: folder names, file names and the SKU list's values are
brought to Unicode NFC first (macOS and some sync clients store ЧАЙНИК-01 decomposed, NFD), and
case-folded where the contract ignores case (SKU tokens in file names, the KYC folder). A SKU comes
back spelt as the SKU list has it; paths stay as the seller's disk has them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from ..models import Group
from ..names import fold_name, nfc

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


def is_kyc_folder(name: str) -> bool:
    """A folder named KYC, in any case and Unicode form."""
    return fold_name(name) == KYC_FOLDER


class SkuMapper:
    """Places files by their path: SKU folder, SKU token in the name, or the KYC folder."""

    def __init__(self, skus: Iterable[str] | None):
        self.known = list(skus) if skus is not None else None

    # Built on the first file that needs them: a million-row SKU list and a folder of few files
    # (or none) should not pay for two more copies of the list. Keys are NFC (names as text, not
    # bytes: macOS writes Й and Ё decomposed), case-folded where case does not matter.
    @functools.cached_property
    def _exact(self) -> dict[str, str]:
        return {nfc(s): s for s in self.known or ()}

    @functools.cached_property
    def _folded(self) -> dict[str, str]:
        return {fold_name(s): s for s in self.known or ()}

    def assign(self, parts: tuple[str, ...]) -> tuple[Group, str | None]:
        """(group, SKU as the list spells it) for a path's components relative to the scanned folder."""
        folders = parts[:-1]
        if any(is_kyc_folder(f) for f in folders):
            return Group.KYC, None
        if self.known is None:
            # No SKU list: each top-level folder is a SKU, its sub-folders ("PB-1001/scans/") part of
            # it (the deepest folder pooled every SKU's "scans" into one); files at the top are unmapped.
            return (Group.SKU, folders[0]) if folders else (Group.UNMAPPED, None)
        for folder in reversed(folders):
            sku = self._exact.get(nfc(folder))
            if sku is not None:
                return Group.SKU, sku
        for folder in reversed(folders):
            # then as the list's duplicates are compared: case ignored, spaces around dropped
            # ("pb-1001", " PB-1001 " for PB-1001), the way sellers' folders drift from their lists
            sku = self._folded.get(fold_name(folder.strip()))
            if sku is not None:
                return Group.SKU, sku
        sku = _token_match(nfc(parts[-1]), self._folded) if self._folded else None
        return (Group.SKU, sku) if sku is not None else (Group.UNMAPPED, None)
