"""checker.reading.render: PDF pages and uploaded images into page images. No tesseract needed."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from checker.reading import render
from checker.reading.render import RenderError, load_image_frames, pdf_page_info, render_pdf_pages


def _marked_page(width: int, height: int, mark: int) -> Image.Image:
    """A white page with a black bar whose length tells the pages apart."""
    img = Image.new("L", (width, height), 255)
    ImageDraw.Draw(img).rectangle((50, 50, 50 + 100 * (mark + 1), 120), fill=0)
    return img


def _pdf(pages: list[Image.Image], resolution: float = 100.0) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=resolution)
    return buf.getvalue()


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


# --------------------------------------------------------------------------- PDF


def test_renders_only_requested_pages_in_order():
    # page i is (1000 + 100 i) px wide at 100 dpi -> its width at 200 dpi identifies it
    pdf = _pdf([_marked_page(1000 + 100 * i, 1400, i) for i in range(3)])
    got = list(render_pdf_pages(pdf, [2, 0], dpi=200, native=False))
    assert [i for i, _ in got] == [2, 0]
    widths = [img.width for _, img in got]
    assert widths[0] == pytest.approx(2 * 1200, abs=2)
    assert widths[1] == pytest.approx(2 * 1000, abs=2)
    for _, img in got:
        assert img.mode == "L"
        assert img.info["dpi"] == (200, 200)
        assert img.getextrema() == (0, 255)  # the bar and the paper survived


def test_render_pdf_pages_is_lazy_and_checks_indexes():
    pdf = _pdf([_marked_page(800, 1000, 0)])
    with pytest.raises(RenderError, match="out of range"):
        list(render_pdf_pages(pdf, [0, 3]))
    with pytest.raises(RenderError, match="out of range"):
        list(render_pdf_pages(pdf, [-1]))


def test_giant_page_is_rendered_at_lower_dpi():
    # 1000 px at 10 dpi: a 100 x 100 inch page, 900 Mpx at 300 dpi
    pdf = _pdf([_marked_page(1000, 1000, 0)], resolution=10)
    [(index, img)] = list(render_pdf_pages(pdf, [0], dpi=300))
    assert index == 0
    assert img.width * img.height <= render.MAX_PAGE_PIXELS
    assert img.info["dpi"][0] < 300
    assert img.width > 5000  # lowered only as far as needed


def test_render_dpi_rule():
    assert render.render_dpi(595, 842, 300) == 300  # A4
    lowered = render.render_dpi(2384, 3370, 300)  # A0: 139 Mpx at 300 dpi
    assert 100 < lowered < 300
    assert (2384 / 72 * lowered) * (3370 / 72 * lowered) <= render.MAX_PAGE_PIXELS * 1.001


def test_pdf_page_info_sees_scans():
    pdf = _pdf([_marked_page(800, 1000, 0), _marked_page(800, 1000, 1)])
    info = pdf_page_info(pdf)
    assert [p.index for p in info] == [0, 1]
    assert all(p.image_count >= 1 and p.text_chars == 0 for p in info)
    assert info[0].width_pt == pytest.approx(800 * 72 / 100, abs=1)
    assert render.pdf_page_count(pdf) == 2
    assert render.pdf_page_has_images(pdf, 1)


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n garbage \n%%EOF", b"\x89PNG\r\n\x1a\n not really", b"hello world"],
)
def test_corrupt_pdf_gives_render_error(data):
    with pytest.raises(RenderError):
        list(render_pdf_pages(data, [0]))


def test_truncated_pdf_gives_render_error():
    pdf = _pdf([_marked_page(800, 1000, 0), _marked_page(800, 1000, 1)])
    with pytest.raises(RenderError):
        list(render_pdf_pages(pdf[: len(pdf) // 3], [0, 1]))


def test_encrypted_pdf_gives_render_error():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(_pdf([_marked_page(800, 1000, 0)]))).pages:
        writer.add_page(page)
    writer.encrypt("secret", algorithm="RC4-128")  # AES would need the cryptography package
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(RenderError, match="password"):
        list(render_pdf_pages(buf.getvalue(), [0]))


# --------------------------------------------------------------------------- images


def test_exif_rotated_jpeg_comes_out_upright():
    upright = _marked_page(1600, 1200, 3)  # landscape, bar at the top left
    ImageDraw.Draw(upright).ellipse((1300, 900, 1500, 1100), fill=0)  # and a dot bottom right
    # a camera held sideways stores the pixels turned and says "turn 90 deg clockwise to view" (6)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).size == (1200, 1600)

    [frame] = load_image_frames(data)
    assert frame.size == (1600, 1200)
    assert frame.mode == "L"
    diff = ImageChops.difference(frame, upright).resize((160, 120))
    assert max(diff.getextrema()) < 60  # JPEG noise only; a wrong turn differs by 255
    assert "exif" not in frame.info


def test_multipage_tiff_is_capped():
    pages = [_marked_page(1200, 1600, i) for i in range(7)]
    data = _encode(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    frames = load_image_frames(data, max_frames=5)
    assert len(frames) == 5
    assert all(f.size == (1200, 1600) for f in frames)
    assert len(load_image_frames(data, max_frames=2)) == 2


def test_small_image_is_scaled_up_and_huge_photo_down():
    [small] = load_image_frames(_encode(_marked_page(620, 877, 0), "PNG"))
    assert min(small.size) == render.UPSCALE_TARGET
    assert small.width / small.height == pytest.approx(620 / 877, rel=0.01)

    [tiny] = load_image_frames(_encode(_marked_page(100, 150, 0), "PNG"))
    assert tiny.size == (300, 450)  # capped at 3x

    big = Image.new("L", (9000, 6000), 255)
    [photo] = load_image_frames(_encode(big, "JPEG", quality=50))
    assert max(photo.size) == render.MAX_LONG_SIDE
    assert photo.size == (4000, 2667)

    [normal] = load_image_frames(_encode(_marked_page(2480, 3508, 0), "PNG"))
    assert normal.size == (2480, 3508)


def test_modes_are_normalised():
    rgba = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))  # transparent: must come out white
    ImageDraw.Draw(rgba).rectangle((100, 100, 300, 300), fill=(0, 0, 0, 255))
    [frame] = load_image_frames(_encode(rgba, "PNG"))
    assert frame.mode == "L" and frame.getpixel((600, 600)) == 255 and frame.getpixel((200, 200)) == 0

    deep = Image.new("I;16", (1200, 1200), 0)
    deep.paste(40000, (0, 0, 600, 1200))  # 16-bit: a plain convert("L") would clip all to 255
    [frame] = load_image_frames(_encode(deep, "PNG"))
    assert frame.getextrema() == (0, 255)

    [rgb] = load_image_frames(_encode(Image.new("RGB", (1200, 1200), (200, 10, 10)), "PNG"), mode="RGB")
    assert rgb.mode == "RGB"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0" + b"garbage" * 20,
        b"%PDF-1.4\n",  # PDFs go through render_pdf_pages
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # never hand EPS to Ghostscript
    ],
)
def test_corrupt_image_gives_render_error(data):
    with pytest.raises(RenderError):
        load_image_frames(data)


def test_truncated_jpeg_gives_render_error():
    data = _encode(_marked_page(1200, 1600, 2), "JPEG")
    with pytest.raises(RenderError):
        load_image_frames(data[: len(data) // 2])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"GIF89a"]))
def test_random_bytes_only_ever_raise_render_error(tail, head):
    try:
        load_image_frames(head + tail)
    except RenderError:
        pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_pdf_bytes_only_ever_raise_render_error(tail):
    try:
        list(render_pdf_pages(b"%PDF-1.4\n" + tail, [0]))
    except RenderError:
        pass
