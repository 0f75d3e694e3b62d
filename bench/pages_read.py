#!/usr/bin/env python3
"""Pages read per document kind, from a files report (`doccheck scan ... --files-out files.csv`).

    python bench/pages_read.py files.csv [files.csv ...]

Prints a markdown table: per role (conformity, manual, kyc, other) and file kind (text_pdf,
scanned_pdf, image...), the files, their pages, the pages read and the pages OCR'd. The figure
issue 18 asks for "before and after" reading only what the verdict needs.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict


def summarise(paths: list[str]) -> str:
    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["sku"] == "skipped" or not row["page_count"]:
                    continue
                tally = rows[(row["role"], row["kind"])]
                tally[0] += 1
                tally[1] += int(row["page_count"])
                tally[2] += int(row["pages_read"] or 0)
                tally[3] += int(row["pages_read"] or 0) - int(row["text_pages"] or 0)
    lines = ["| role | kind | files | pages | pages read | pages OCR'd |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for (role, kind), (files, pages, read, ocr) in sorted(rows.items()):
        lines.append(f"| {role} | {kind} | {files} | {pages} | {read} | {ocr} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: pages_read.py files.csv [files.csv ...]")
    print(summarise(sys.argv[1:]))
