"""What a re-check tells the person watching: one line per SKU whose verdict changed, the KYC state."""

from __future__ import annotations

from ...models import ScanResult
from ...names import terminal_text

Verdict = tuple[str, tuple[str, ...]]   # chat_status, reason codes


def verdicts(result: ScanResult) -> dict[str, Verdict]:
    """SKU -> (chat status, reason codes): what a change line compares."""
    return {s.sku: (s.status.value, tuple(c.code for c in s.codes)) for s in result.skus}


def change_lines(before: dict[str, Verdict], after: dict[str, Verdict]) -> list[str]:
    """One line per SKU whose chat status or reasons changed: `PB-1001: ok -> disabled (certificate_expired)`;
    a SKU that appears is `new ->`, one that disappears (its folder deleted, no SKU list) `-> removed`."""
    lines = []
    for sku, (status, reasons) in after.items():
        old = before.get(sku)
        if old == (status, reasons):
            continue
        line = f"{terminal_text(sku)}: {old[0] if old else 'new'} -> {status}"
        lines.append(line + (f" ({', '.join(reasons)})" if reasons else ""))
    for sku, (status, _) in before.items():
        if sku not in after:
            lines.append(f"{terminal_text(sku)}: {status} -> removed")
    return lines


def kyc_label(result: ScanResult) -> str:
    """The KYC state as the watch lines name it: complete, incomplete or not judged."""
    if not result.kyc.judged:
        return "not judged"
    return "complete" if result.kyc.complete else "incomplete"
