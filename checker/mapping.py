"""Stage 7a: which SKU (or the KYC set) each file belongs to.

A file belongs to a SKU when a folder on its path is named exactly as the SKU, or when the SKU
is a whole token of its name (RU_PB-1005_manual.pdf). A folder named KYC (any case) holds KYC papers.

Names are compared as text, not bytes: folder names, file names and the SKU list's values are
brought to Unicode NFC first (macOS and some sync clients store ЧАЙНИК-01 decomposed, NFD), and
case-folded where the contract ignores case (SKU tokens in file names, the KYC folder). A SKU comes
back spelt as the SKU list has it; paths stay as the seller's disk has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Group
from .names import fold_name, nfc

KYC_FOLDER = "kyc"


def _token_pattern(skus: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so PB-1005-XL wins over PB-1005 in RU_PB-1005-XL_manual.pdf.
    ordered = sorted({nfc(s) for s in skus}, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(s) for s in ordered)
    return re.compile(rf"(?<![0-9A-Za-zА-Яа-яЁё])({alternatives})(?![0-9A-Za-zА-Яа-яЁё])", re.IGNORECASE)


def is_kyc_folder(name: str) -> bool:
    """A folder named KYC, in any case and Unicode form."""
    return fold_name(name) == KYC_FOLDER


class SkuMapper:
    """Places files by their path: SKU folder, SKU token in the name, or the KYC folder."""

    def __init__(self, skus: Iterable[str] | None):
        self.known = list(skus) if skus is not None else None
        self._exact = {nfc(s): s for s in self.known or ()}
        self._folded = {fold_name(s): s for s in self.known or ()}
        self._pattern = _token_pattern(self.known or ())

    def assign(self, parts: tuple[str, ...]) -> tuple[Group, str | None]:
        """(group, SKU as the list spells it) for a path's components relative to the scanned folder."""
        folders = parts[:-1]
        if any(is_kyc_folder(f) for f in folders):
            return Group.KYC, None
        if self.known is None:
            # No SKU list: each folder that holds files is a SKU; files at the top are unmapped.
            return (Group.SKU, folders[-1]) if folders else (Group.UNMAPPED, None)
        for folder in reversed(folders):
            sku = self._exact.get(nfc(folder))
            if sku is not None:
                return Group.SKU, sku
        if self._pattern is not None:
            match = self._pattern.search(nfc(parts[-1]))
            if match:
                return Group.SKU, self._folded[fold_name(match.group(1))]
        return Group.UNMAPPED, None
