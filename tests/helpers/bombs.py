"""Hostile files made on the fly: small on disk, enormous when decoded."""

import struct
import zlib
from pathlib import Path


def flate_bomb_pdf(path: Path, expands_to: int = 300 * 2**20) -> None:
    """A one-page PDF whose content stream inflates to `expands_to` bytes of spaces."""
    payload = zlib.compress(b" " * expands_to, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(payload) + payload + b"\nendstream"]
    pdf, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(pdf))


def pixel_bomb_png(path: Path, side: int = 20000) -> None:
    """A side x side greyscale PNG of zero rows: 400 Mpx declared, a few hundred KB on disk."""
    packer = zlib.compressobj(6)
    rows_per_chunk = 500
    block = b"\x00" * ((side + 1) * rows_per_chunk)
    data = b"".join(packer.compress(block) for _ in range(side // rows_per_chunk)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
