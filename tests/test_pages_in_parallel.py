"""OCR pages of one file run in parallel, bounded by tesseract slots shared across worker
processes; a slot held by a killed worker is free again; the facts do not depend on --jobs."""

import multiprocessing
import os
import signal
import threading
import time

import pytest

from checker.process.executor import Limits, Task, run_isolated
from checker.models import ExtractSettings, PageText
from checker.reading.engines import OcrWorkspace


@pytest.fixture
def slots(tmp_path):
    """Page slots as the executor hands them to its workers: inside the settings, no module state."""
    def share(count: int) -> ExtractSettings:
        return ExtractSettings(workspace=OcrWorkspace(slots_dir=str(tmp_path), slots=count))

    return share


def test_a_slot_held_by_a_killed_process_is_free_again(slots):
    workspace = slots(2).workspace
    ctx = multiprocessing.get_context("fork")
    holding = ctx.Event()

    def hold_both() -> None:
        with workspace.slot(), workspace.slot():
            holding.set()
            time.sleep(60)

    holder = ctx.Process(target=hold_both, daemon=True)
    holder.start()
    assert holding.wait(10)
    got = threading.Event()

    def take() -> None:
        with workspace.slot():
            got.set()

    threading.Thread(target=take, daemon=True).start()
    assert not got.wait(0.5), "a third page ran although both slots were taken"
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(10)
    assert got.wait(10), "the killed holder's slot was never freed"


def test_pages_of_one_file_are_read_at_once_up_to_the_slots_and_kept_in_order(slots, monkeypatch):
    from checker.reading import extract

    lock = threading.Lock()
    active = peak = 0

    def slow_page(number, image, settings):
        nonlocal active, peak
        with settings.workspace.slot():
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.2)
            with lock:
                active -= 1
        return PageText(number, "ocr", f"page {number}")

    monkeypatch.setattr(extract, "_ocr_page", slow_page)
    stored: list[int] = []
    extract._ocr_pages(((n, None) for n in range(1, 6)), slots(2), lambda n, page: stored.append(n))
    assert peak == 2 and sorted(stored) == [1, 2, 3, 4, 5]

    peak = 0
    extract._ocr_pages(((n, None) for n in range(1, 4)), slots(1), lambda n, page: None)
    assert peak == 1


@pytest.mark.ocr
def test_a_many_page_scan_reads_the_same_with_one_or_two_jobs(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    pages = []
    for number in range(1, 4):
        page = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(page)
        for line in range(4):
            draw.text((120, 150 + line * 60), f"Страница {number}: руководство по эксплуатации, строка {line + 1}", font=font, fill=0)
        pages.append(page)
    scan = tmp_path / "RU_manual_scan.pdf"
    pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=150)
    st = scan.stat()
    task = Task(0, str(scan), st.st_size, st.st_mtime_ns, ExtractSettings(pages_first=3, pages_sample=0))
    one = run_isolated([task], Limits(jobs=1))[0].facts
    two = run_isolated([task], Limits(jobs=2))[0].facts
    assert [p.source for p in one.pages] == ["ocr", "ocr", "ocr"]
    assert [f"Страница {n}" in p.text for n, p in enumerate(one.pages, start=1)] == [True, True, True]
    assert one == two
