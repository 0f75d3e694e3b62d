"""Small PDFs built byte by byte at test time: a text layer with given lines (Helvetica, so
pypdf reads it back as written), and one whose ToUnicode map sends a glyph to any code point,
a lone surrogate (U+D800) included, as a broken or hostile PDF may."""

from __future__ import annotations

from pathlib import Path


def _pdf(content: bytes, font_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica" + font_extra + b" >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            *extra_objects]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def text_pdf(path: Path, lines: list[str]) -> Path:
    """One page with `lines` as its text layer (ASCII/Latin-1 only)."""
    def literal(line: str) -> bytes:
        return b"(" + line.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    body = b"BT /F1 11 Tf 40 760 Td 14 TL " + b" ".join(literal(line) + b" '" for line in lines) + b" ET"
    Path(path).write_bytes(_pdf(body))
    return Path(path)


def mapped_glyph_pdf(path: Path, code_point: int = 0xD800, letters: int = 80) -> Path:
    """A text layer of `letters` A's with the glyph for code 01 mapped to `code_point` by the
    font's ToUnicode CMap between them: pypdf hands such a page's text back with that code point."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <01> <%04X> <02> <0041> endbfchar "
            b"endcmap CMapName currentdict /CMap defineresource pop end end" % code_point)
    glyphs = ("02" * (letters // 2) + "01" + "02" * (letters // 2)).encode()
    content = b"BT /F1 24 Tf 72 700 Td <" + glyphs + b"> Tj ET"
    Path(path).write_bytes(_pdf(content, b" /ToUnicode 6 0 R",
                                (b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",)))
    return Path(path)
