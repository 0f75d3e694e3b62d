#!/usr/bin/env python3
"""doccheck benchmark: cold, warm and touch-one scans of a synthetic batch, against the OCR floor.

    .venv/bin/python bench/run.py --skus 40 --jobs 2 --files 1000

Builds a scan-heavy batch of N SKUs with the sample generator (tools/make_samples.py): text
certificates, declarations and manuals with varied numbers and dates, image-only scanned PDFs
(1-bit CCITT and grey JPEG), phone-photo JPEGs stored sideways with EXIF orientation 6, one
certificate fed into the scanner turned by 90 degrees, plus the sample KYC folder and a skus.csv.
Then, from one run:

* cold      ``doccheck scan BATCH --skus ... --jobs J --cache-dir FRESH --today 2026-11-26 -q``
* warm      the same command again with the same cache
* touch     one scanned certificate regenerated with another validity date, then the command again;
            the summary line must say files-1 cache hits and the files report must show the new date
* floor     every page of each scanned PDF and image file doccheck OCR'd (doccheck may stop before
            the last: reading/enough.py), and the OCR'd pages of mixed PDFs, as the files store them (a scanned PDF page's own image at
            its own resolution, an image file's frame at its own size; only a page without a page
            image is rendered, at the rules' dpi), turned by the rotation doccheck settled on, each read by ``tesseract IMG - -l LANGS`` with the
            languages doccheck settled on, OMP_THREAD_LIMIT=1, J at a time; plus ``pdftotext`` on
            every text PDF, J at a time. Floor = the two wall-clocks added.

Cold and floor alternate ``--repeat`` times (fresh cache each time) so background load hits both
alike; the figures are medians. Peak memory is ru_maxrss from wait4() on each doccheck run: the
largest single process of its tree (main, workers, tesseract children). Total tree RSS is sampled
from /proc every 0.5 s.

``--files N`` adds a second batch of about N files, almost all text PDFs (plus the KYC folder), for
the warm case: with OCR out of the way, warm/cold measures the cache.

``--profile`` also reads every OCR'd file of the main batch in this process, one at a time, with
each stage timed (tesseract reads that were kept, reads that were not, OSD, rendering, the rest) and
a cProfile of the whole (written to OUT/profile.pstats).

Writes bench/results/latest.md (``--results``) with the figures, the command and the machine.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

TODAY = "2026-11-26"
SAMPLE_KYC = ROOT / "sample_docs" / "company" / "KYC"
DEFAULT_RESULTS = ROOT / "bench" / "results" / "latest.md"
PAGE = os.sysconf("SC_PAGE_SIZE")


# ============================================================================ the batch

# What one SKU's papers look like; index = SKU number % len(PATTERNS). 8 of 10 have a scanned page.
PATTERNS = [
    ("scan_bw", "text"),      # certificate: 1-bit CCITT scan (300 dpi, skewed); manual: text
    ("text", "scan_bw"),      # certificate: text; manual: scanned, every page
    ("photo", "text"),        # certificate: phone photo JPEG, pixels sideways + EXIF orientation 6
    ("scan_gray", "text"),    # certificate: grey JPEG scan (200 dpi) in a PDF
    ("text", "text"),
    ("scan_bw", "text"),
    ("scan_gray", "none"),    # (toys and the like need no manual: then none)
    ("photo", "text"),
    ("text", "text"),
    ("scan_bw", "scan_bw"),
]
CATEGORIES = [("PB", "power_bank"), ("SW", "smartwatch"), ("HA", "household_appliance"), ("TOY", "children_toys")]
BODY_CODES = ["АЯ46", "НА11", "АЖ58", "АД07", "НВ29", "МЕ77"]
TURNED_SKU = 0    # the first SKU's certificate scan is turned by 90 degrees


@dataclass
class Sku:
    sku: str
    category: str
    doc: object            # make_samples.Cert or Decl
    manual: tuple | None   # make_samples manual spec (title, blocks)
    cert_kind: str
    manual_kind: str


@dataclass
class FileSpec:
    rel: str
    kind: str              # text / scan_bw / scan_gray / photo / turned / manual_text / manual_scan_bw
    payload: object        # Cert/Decl or manual spec
    seed: str


def _ms():
    import make_samples

    return make_samples


def make_sku(i: int, prefix_base: int, pattern: tuple[str, str] | None = None) -> Sku:
    import random

    ms = _ms()
    rng = random.Random(f"bench:{prefix_base}:{i}")
    short, category = CATEGORIES[i % len(CATEGORIES)]
    sku = f"{short}-{prefix_base + i:05d}"
    cert_kind, manual_kind = pattern or PATTERNS[i % len(PATTERNS)]
    start = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 5 * 365))
    # five years less a day; a 29 February start ends on 27 February (10,000 SKUs reach one)
    end = (start.replace(day=28) if (start.month, start.day) == (2, 29) else start).replace(year=start.year + 5) - dt.timedelta(days=1)
    frm, to, yy = start.strftime("%d.%m.%Y"), end.strftime("%d.%m.%Y"), start.strftime("%y")
    serial = rng.randrange(10000, 99999)
    body = rng.choice(BODY_CODES)
    blank = f"RU № 0{rng.randrange(100000, 999999)}"
    protocol = f"{start:%y%m}-{rng.randrange(1, 999):03d}/ИЛ"
    model = f"{short}{prefix_base + i}"
    if short == "PB":
        cap = rng.choice((5000, 10000, 20000))
        doc = ms.pb_cert(f"ЕАЭС RU С-CN.{body}.В.{serial:05d}/{yy}", frm, to, body, model, cap, blank, protocol)
        manual = ms.manual_power_bank(model, cap)
    elif short == "SW":
        doc = ms.sw_cert(f"ЕАЭС RU С-CN.{body}.В.{serial:05d}/{yy}", frm, to, body, model, blank, protocol)
        manual = ms.manual_smartwatch(model)
    elif short == "HA":
        doc = ms.kettle_cert(f"ЕАЭС RU С-CN.{body}.В.{serial:05d}/{yy}", frm, to, body, model, blank, protocol)
        manual = ms.manual_kettle(model)
    else:
        doc = ms.toy_decl(f"ЕАЭС N RU Д-CN.РА01.В.{serial:05d}/{yy}", frm, to,
                          f"Игрушки мягконабивные: мягкая игрушка, торговая марка «HAPPY TOYS», артикул {sku}",
                          "9503 00 410 0", protocol.replace("ИЛ", "ДТ"))
        manual = ms.manual_rocket(model)
    if manual_kind == "none":
        manual = None
    return Sku(sku, category, doc, manual, cert_kind, manual_kind)


# Real papers run to more than one page: an EAEU certificate or declaration usually has an annex
# (the models, standards and maker it covers), a manual several pages. The bench's papers have
# both, so that the floor (every page) and doccheck (the pages its verdict needs, reading/enough.py)
# read what they would on a seller's batch. A photo of a paper stays one page.
MANUAL_MORE = [
    ("h", "Меры безопасности"),
    ("ul", ["Не используйте изделие с повреждённым корпусом, кабелем или разъёмом.",
            "Не разбирайте изделие и не пытайтесь ремонтировать его самостоятельно.",
            "Берегите изделие от воды, пыли, ударов и прямых солнечных лучей.",
            "Не оставляйте изделие без присмотра рядом с детьми и домашними животными.",
            "Используйте только входящие в комплект или рекомендованные изготовителем принадлежности.",
            "При появлении запаха гари, дыма или сильного нагрева немедленно прекратите использование."]),
    ("h", "Порядок работы"),
    ("p", "Перед первым использованием извлеките изделие из упаковки, удалите транспортировочные наклейки и "
          "убедитесь в отсутствии видимых повреждений. Изделие, внесённое с мороза в тёплое помещение, можно "
          "включать не ранее чем через два часа. Подключайте изделие только к исправной сети или к источнику "
          "питания с характеристиками, указанными в разделе технических характеристик."),
    ("p", "Во время работы не накрывайте изделие и не ставьте его на мягкие поверхности, препятствующие "
          "охлаждению. После окончания работы отключите изделие от источника питания и дайте ему остыть."),
    ("h", "Уход и хранение"),
    ("p", "Протирайте корпус мягкой сухой тканью. Не используйте абразивные чистящие средства, растворители и "
          "спиртосодержащие жидкости. Храните изделие в сухом проветриваемом помещении при температуре от +5 до "
          "+35 °C и относительной влажности не более 80 %, вдали от отопительных приборов."),
    ("h", "Возможные неисправности и способы их устранения"),
    ("kv", [("Изделие не включается", "Проверьте подключение и исправность источника питания"),
            ("Индикатор мигает красным", "Дайте изделию остыть в течение 30 минут"),
            ("Изделие сильно нагревается", "Отключите изделие и обратитесь в сервисный центр"),
            ("Посторонний шум или запах", "Прекратите использование и обратитесь в сервисный центр")]),
    ("h", "Транспортирование"),
    ("p", "Изделие в упаковке изготовителя допускается перевозить любым видом крытого транспорта при температуре "
          "от −20 до +50 °C, оберегая от ударов, падений и воздействия атмосферных осадков."),
    ("h", "Гарантийные обязательства"),
    ("p", "Гарантийный срок составляет 12 месяцев со дня продажи при соблюдении правил эксплуатации, хранения и "
          "транспортирования. Гарантия не распространяется на изделия с механическими повреждениями, следами "
          "вскрытия, попадания влаги или ремонта лицами, не уполномоченными изготовителем. Срок службы изделия "
          "составляет 3 года. По истечении срока службы обратитесь в сервисный центр для проверки состояния изделия."),
    ("h", "Утилизация"),
    ("p", "Не выбрасывайте изделие вместе с бытовыми отходами. По окончании срока службы сдайте его в пункт приёма "
          "электронного и электрического оборудования для последующей переработки в соответствии с "
          "требованиями законодательства."),
    ("h", "Комплектность"),
    ("ul", ["Изделие — 1 шт.", "Кабель питания или зарядный кабель — 1 шт.", "Руководство по эксплуатации — 1 экз.",
            "Гарантийный талон — 1 экз.", "Упаковка — 1 шт."]),
    ("h", "Вопросы и ответы"),
    ("p", "Можно ли пользоваться изделием во время зарядки? Да, если иное не указано в разделе технических "
          "характеристик, однако время зарядки при этом увеличивается. Почему корпус нагревается во время работы? "
          "Умеренный нагрев корпуса является нормальным и не влияет на безопасность изделия. Что делать, если "
          "изделие долго не использовалось? Полностью зарядите или проверьте его перед использованием, а при "
          "длительном хранении проверяйте состояние изделия не реже одного раза в три месяца."),
    ("p", "Как проверить подлинность изделия? Сверьте серийный номер на корпусе с номером на упаковке и в "
          "гарантийном талоне. Где найти сведения о подтверждении соответствия? Номер сертификата или декларации "
          "о соответствии указан на упаковке и в сопроводительных документах поставщика."),
    ("h", "Сведения об изготовителе и импортёре"),
    ("p", "Изготовитель и импортёр указаны на упаковке изделия. Претензии по качеству принимает импортёр. "
          "Дата изготовления указана на корпусе изделия и на упаковке в формате ММ.ГГГГ."),
]


# The warm cases' batches (--files) keep the one-page papers the figures before issue 18's were made
# on: they measure the cache, not reading, and 10,000 annexed papers take half an hour to generate.
FULL_PAPERS = True


def with_annex(paper: bytes, doc) -> bytes:
    """``paper`` (a rendered certificate or declaration) followed by its annex page: the products,
    codes and standards it covers, under the same registration number."""
    import io

    from pypdf import PdfReader, PdfWriter

    ms = _ms()
    decl = isinstance(doc, ms.Decl)
    of = "ДЕКЛАРАЦИИ О СООТВЕТСТВИИ" if decl else "СЕРТИФИКАТУ СООТВЕТСТВИЯ"
    pdf = ms.Doc(f"Приложение {doc.number}", ms.stamp_time(ms.d(doc.registered if decl else doc.valid_from)),
                 frame="eaeu", margins=(18, 16, 18))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_y(31)
    pdf.center("ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ", 12.5, after=2.5)
    pdf.center(f"ПРИЛОЖЕНИЕ К {of}", 14, after=2)
    pdf.center(f"№ {doc.number}", 12, after=5)
    pdf.field("Перечень продукции, на которую распространяется действие", doc.product + ".", size=9.5)
    pdf.field("Код ТН ВЭД ЕАЭС", doc.tnved, size=9.5)
    pdf.field("Обозначение и наименование стандартов и иных документов", doc.extra, size=9.5)
    pdf.field("Изготовитель", f"{doc.maker.name}. Адрес: {doc.maker.address}.", size=9.5)
    writer = PdfWriter()
    for part in (paper, pdf.out()):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def files_for(s: Sku, turned: bool = False) -> list[FileSpec]:
    ext = "jpg" if s.cert_kind == "photo" else "pdf"
    kind = "turned" if turned else s.cert_kind
    out = [FileSpec(f"{s.sku}/RU_{s.sku}_certificate.{ext}", kind, s.doc, f"bench-cert-{s.sku}")]
    if s.manual is not None:
        out.append(FileSpec(f"{s.sku}/RU_{s.sku}_manual.pdf", "manual_" + s.manual_kind, s.manual,
                            f"bench-manual-{s.sku}"))
    return out


def render_doc(doc, seed: str) -> bytes:
    ms = _ms()
    if isinstance(doc, ms.Decl):
        return ms.render_decl(doc, rng=ms.seeded(seed))
    return ms.render_cert(doc, rng=ms.seeded(seed))


SCAN_DPI = 300   # --scan-dpi: the resolution of the 1-bit scans (set before the batch is written)


def bw_scan(pdf_bytes: bytes, seed: str, *, turned: bool = False) -> bytes:
    """tools/make_samples.scanned_cert_pdf / scanned_manual_pdf, for any PDF, at SCAN_DPI."""
    from PIL import Image

    ms = _ms()
    rng = ms.seeded("scan" + seed)
    pages = []
    for page in ms.rasterize(pdf_bytes, SCAN_DPI):
        img = ms.scan_effect(page, rng, angle=rng.choice((-1, 1)) * rng.uniform(0.5, 1.6), blur=0.8, noise=0,
                             speckle=0.00004)
        bw = ms.bilevel(img, 140)
        if turned:
            bw = bw.transpose(Image.Transpose.ROTATE_90)
        pages.append((bw, SCAN_DPI))
    return ms.image_pdf(pages, f"Scan {seed}", ms.stamp_time(ms.d("10.03.2026"), hour=11))


def make_bytes(spec: FileSpec) -> bytes:
    ms = _ms()
    if spec.kind.startswith("manual_"):
        title, blocks = spec.payload
        text = ms.render_manual((title, list(blocks) + MANUAL_MORE), ms.d("01.03.2026"), body_size=12) \
            if FULL_PAPERS else ms.render_manual(spec.payload, ms.d("01.03.2026"))
        return text if spec.kind == "manual_text" else bw_scan(text, spec.seed)
    if spec.kind == "photo":   # a photo of the paper's first page
        return ms.photo_jpeg_of(render_doc(spec.payload, spec.seed), spec.seed, dpi=150, quality=60, orientation=6)
    text = render_doc(spec.payload, spec.seed)
    if FULL_PAPERS:
        text = with_annex(text, spec.payload)
    if spec.kind == "text":
        return text
    if spec.kind in ("scan_bw", "turned"):
        return bw_scan(text, spec.seed, turned=spec.kind == "turned")
    if spec.kind == "scan_gray":
        return ms.gray_scan_pdf(text, spec.seed)
    raise ValueError(spec.kind)


_SPECS: list[FileSpec] = []
_DEST: Path | None = None


def _write_one(index: int) -> int:
    spec = _SPECS[index]
    data = make_bytes(spec)
    target = _DEST / spec.rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)


def write_batch(dest: Path, skus: list[Sku], specs: list[FileSpec], jobs: int, kyc: bool = True) -> dict:
    """Write the files (J generator processes), the KYC copy and skus.csv (next to the batch, not in it)."""
    global _SPECS, _DEST
    dest.mkdir(parents=True)
    _SPECS, _DEST = specs, dest
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(max(1, jobs)) as pool:
        sizes = pool.map(_write_one, range(len(specs)), chunksize=4)
    if kyc:
        shutil.copytree(SAMPLE_KYC, dest / "KYC")
    skus_csv = dest.parent / f"{dest.name}-skus.csv"
    with open(skus_csv, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "category"])
        for s in skus:
            w.writerow([s.sku, s.category])
    kinds: dict[str, int] = {}
    for spec in specs:
        kinds[spec.kind] = kinds.get(spec.kind, 0) + 1
    n_kyc = sum(1 for p in (dest / "KYC").rglob("*") if p.is_file() and not p.name.startswith(".")) if kyc else 0
    return {"files": len(specs) + n_kyc, "bytes": sum(sizes), "kinds": kinds, "kyc_files": n_kyc, "skus_csv": skus_csv}


def retouch(dest: Path, spec: FileSpec, round_: int) -> str:
    """Regenerate one certificate with its validity end moved by round_ years: a real content change."""
    doc = spec.payload
    end = dt.datetime.strptime(doc.valid_to, "%d.%m.%Y").date()
    new_end = end.replace(year=end.year + round_)
    new_doc = dataclasses.replace(doc, valid_to=new_end.strftime("%d.%m.%Y"))
    data = make_bytes(FileSpec(spec.rel, spec.kind, new_doc, spec.seed))
    (dest / spec.rel).write_bytes(data)
    return new_end.isoformat()


# ============================================================================ running doccheck

@dataclass
class Run:
    wall: float
    maxrss_mb: float          # largest single process of the tree (wait4 ru_maxrss)
    tree_mb: float            # largest sampled sum of RSS over the tree
    rc: int
    summary: dict
    stdout: str
    files_report: Path
    cpu_s: float = 0.0        # user + system CPU of the whole tree (wait4)
    hwm_mb: dict = field(default_factory=dict)   # sampled VmHWM: main process, workers, tesseract


SUMMARY = re.compile(r"(\d+) files, (\d+) pages OCR'd, (\d+) cache hits · ([\d.]+) s")


# doccheck runs as users run it: Python's bytecode cache on (a sandbox may set
# PYTHONDONTWRITEBYTECODE, which makes every run compile doccheck's ~100 modules again, ~0.2 s).
DOCCHECK_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def precompile() -> None:
    """Write doccheck's bytecode once, before any timed run (pip does this at install time)."""
    import compileall

    compileall.compile_dir(str(ROOT / "checker"), quiet=1)


def doccheck_cmd() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "doccheck"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "checker"]


def scan_cmd(batch: Path, skus_csv: Path, jobs: int, cache: Path) -> list[str]:
    return doccheck_cmd() + ["scan", str(batch), "--skus", str(skus_csv), "--jobs", str(jobs), "--cache-dir",
                             str(cache), "--today", TODAY, "-q"]


def _tree(root: int) -> list[int]:
    """root and its descendants, from /proc/PID/task/TID/children."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    todo.extend(int(k) for k in fh.read().split())
            except OSError:
                pass
    return out


def _status(pid: int) -> tuple[str, int, int]:
    """(name, VmRSS kB, VmHWM kB) of one process; ("", 0, 0) when it is gone."""
    name, rss, hwm = "", 0, 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Name:"):
                    name = line.split(None, 1)[1].strip()
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return name, rss, hwm


class TreeSampler:
    """Every `interval` s: the sum of RSS over the tree, and each process's high-water mark by kind."""

    def __init__(self, root: int, interval: float = 0.25):
        self.root, self.interval = root, interval
        self.tree_kb = 0
        self.hwm_kb = {"main": 0, "worker": 0, "tesseract": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            total = 0
            for pid in _tree(self.root):
                name, rss, hwm = _status(pid)
                total += rss
                kind = "main" if pid == self.root else "tesseract" if name == "tesseract" else "worker"
                self.hwm_kb[kind] = max(self.hwm_kb[kind], hwm)
            self.tree_kb = max(self.tree_kb, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_doccheck(cmd: list[str], out_dir: Path, tag: str) -> Run:
    out_dir.mkdir(parents=True, exist_ok=True)
    files_report = out_dir / f"{tag}-files.csv"
    full = cmd + ["--out", str(out_dir / f"{tag}-skus.csv"), "--files-out", str(files_report)]
    log = open(out_dir / f"{tag}.log", "w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, env=DOCCHECK_ENV)
    sampler = TreeSampler(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    text = log.read()
    log.close()
    if proc.returncode not in (0, 1):
        sys.exit(f"doccheck failed (exit {proc.returncode}): {shlex.join(full)}\n{text}")
    m = SUMMARY.search(text)
    if not m:
        sys.exit(f"no summary line in doccheck output:\n{text}")
    summary = {"files": int(m[1]), "pages": int(m[2]), "hits": int(m[3]), "internal_s": float(m[4])}
    return Run(wall, usage.ru_maxrss / 1024, sampler.tree_kb / 1024, proc.returncode, summary, text, files_report,
               cpu_s=usage.ru_utime + usage.ru_stime, hwm_mb={k: v / 1024 for k, v in sampler.hwm_kb.items()})


def read_report(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh) if row["sku"] != "skipped"}


# ============================================================================ the floor

OCR_PAGE = re.compile(r"p(\d+) (\S+) rot (\d+) conf")


@dataclass
class FloorPage:
    source: str      # path in the batch
    page: int
    langs: str
    rotation: int
    image: Path
    group: str       # "KYC" or the SKU
    render_s: float
    upright: Path | None = None   # the page turned as doccheck read it, when that is not as stored
    read: bool = True             # doccheck OCR'd this page (the floor reads every page of a scan)


def stored_page_image(data: bytes, index: int, dpi: int):
    """Page ``index`` of a PDF as the file stores it: the pixels of the image that covers the page
    (a scan's page image, at its own resolution, not resampled), or the page rendered at ``dpi``
    when it has no page image."""
    import pypdfium2 as pdfium

    from checker.reading.render import NATIVE_MIN_COVER, render_pdf_pages

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()
        best = None
        for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
            left, bottom, right, top = obj.get_bounds()
            area = (right - left) * (top - bottom)
            if area >= NATIVE_MIN_COVER * width * height and (best is None or area > best[0]):
                best = (area, obj)
        if best is not None:
            image = best[1].get_bitmap(render=False).to_pil().convert("L")
            return image
    finally:
        pdf.close()
    return dict(render_pdf_pages(data, [index], dpi=dpi, native=False))[index]


def stored_frames(data: bytes, max_frames: int) -> list:
    """An image file's frames as the file stores them: at their stored size, not scaled, and not
    turned by their EXIF orientation (tesseract given the file reads the pixels as stored)."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(data))
    frames = []
    for i in range(min(getattr(img, "n_frames", 1), max_frames)):
        img.seek(i)
        frames.append(img.convert("L"))
    return frames


def floor_pages(batch: Path, report: dict[str, dict], work: Path) -> list[FloorPage]:
    """The page images doccheck OCR'd, as the files store them (a PDF page's own image at its own
    resolution; an image file's frame at its own size and orientation), as PNG files. Not turned:
    which way up a page is, doccheck has to find out, and the floor is tesseract on what the file
    stores (``FloorPage.upright`` is the page turned as doccheck read it, for ``sideways_cost``)."""
    from checker.reading.ocr import turned
    from checker.rules import load_rules

    limits = load_rules(None).limits
    work.mkdir(parents=True, exist_ok=True)
    pages: list[FloorPage] = []
    for rel, row in report.items():
        wanted = [(int(n), langs, int(rot)) for n, langs, rot in OCR_PAGE.findall(row["ocr_pages"])]
        wanted = [w for w in wanted if w[1] != "-"]
        if not wanted:
            continue
        ocr_read = {n for n, _, _ in wanted}
        if row["kind"] in ("scanned_pdf", "image") and row["page_count"].isdigit():
            # the floor reads every page of a scan (doccheck may stop before the last one): a page
            # doccheck did not read is read with the languages of the file's first read page
            read = {n for n, _, _ in wanted}   # the pages doccheck OCR'd
            _, langs, rot = wanted[0]
            count = min(int(row["page_count"]), limits.max_image_frames) if row["kind"] == "image" else int(row["page_count"])
            wanted += [(n, langs, rot) for n in range(1, count + 1) if n not in read]
            wanted.sort()
        if not (batch / rel).is_file():   # e.g. a KYC name the report masks: the floor would miss its pages
            print(f"  warning: {rel} from the files report is not in the batch; its pages are not in the floor")
            continue
        data = (batch / rel).read_bytes()
        t0 = time.perf_counter()
        if "pdf" in row["mime"]:
            images = {n - 1: stored_page_image(data, n - 1, limits.ocr_dpi) for n, _, _ in wanted}
        else:
            frames = stored_frames(data, limits.max_image_frames)
            images = {n - 1: frames[n - 1] for n, _, _ in wanted}
        render_s = (time.perf_counter() - t0) / len(wanted)
        exif_turn = 0 if "pdf" in row["mime"] else _exif_rotation(data)
        for n, langs, rot in wanted:
            img = images[n - 1]
            dpi = img.info.get("dpi")
            path = work / f"{len(pages):04d}.png"
            img.save(path, "PNG", **({"dpi": dpi} if dpi else {}))
            upright = None
            turn_by = (exif_turn + rot) % 360
            if turn_by:   # the page as doccheck read it, for the figure of what finding the turn costs
                upright = work / f"{len(pages):04d}-upright.png"
                turned(img, turn_by).save(upright, "PNG", **({"dpi": dpi} if dpi else {}))
            pages.append(FloorPage(rel, n, langs, rot, path, row["sku"], render_s, upright, read=n in ocr_read))
    return pages


def _exif_rotation(data: bytes) -> int:
    """Degrees clockwise an image file's EXIF orientation says to turn its pixels (1/3/6/8 only)."""
    import io

    from PIL import Image

    try:
        orientation = Image.open(io.BytesIO(data)).getexif().get(0x0112, 1)
    except Exception:
        return 0
    return {3: 180, 6: 90, 8: 270}.get(orientation, 0)


def sideways_cost(pages: list[FloorPage]) -> dict:
    """tesseract on each page stored sideways or upside down, as stored and turned upright, one at a
    time: what the floor pays for not knowing the turn, next to what doccheck pays to find it."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    turned = [p for p in pages if p.upright is not None]
    stored = [_timed(["tesseract", str(p.image), "-", "-l", p.langs], env)[0] for p in turned]
    upright = [_timed(["tesseract", str(p.upright), "-", "-l", p.langs], env)[0] for p in turned]
    return {"pages": len(turned), "stored_s": sum(stored), "upright_s": sum(upright)}


@dataclass
class Floor:
    tesseract_s: float
    pdftotext_s: float
    per_page: list[float] = field(default_factory=list)
    maxrss_mb: float = 0.0
    cpu_s: float = 0.0
    per_page_cpu: list[float] = field(default_factory=list)
    text_cpu_s: float = 0.0

    @property
    def total(self) -> float:
        return self.tesseract_s + self.pdftotext_s


def _timed(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """(wall s, peak RSS MB, CPU s) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def run_floor(pages: list[FloorPage], text_pdfs: list[Path], jobs: int) -> Floor:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    tess = [["tesseract", str(p.image), "-", "-l", p.langs] for p in pages]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda c: _timed(c, env), tess))
    t_tess = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        texts = list(pool.map(lambda p: _timed(["pdftotext", "-q", str(p), "-"], env), text_pdfs))
    t_text = time.perf_counter() - t0
    return Floor(t_tess, t_text, [r[0] for r in results], max((r[1] for r in results), default=0.0),
                 cpu_s=sum(r[2] for r in results + texts), per_page_cpu=[r[2] for r in results],
                 text_cpu_s=sum(r[2] for r in texts))


# ============================================================================ profile (in process)

def profile_batch(batch: Path, report: dict[str, dict], out: Path, pages: list[FloorPage],
                  text_pdfs: list[Path]) -> dict:
    """Read every file here, one at a time, with each stage timed, each file followed at once by its
    floor (the same pages through plain tesseract, or pdftotext), so that both see the same load;
    plus a cProfile of the doccheck part."""
    import cProfile
    import pstats

    import checker.reading.render as render_mod
    from checker.reading.engines.tesseract import TesseractEngine as ocr_mod
    from checker.reading.extract import extract_facts
    from checker.external.tesseract import private_tempdir, tesseract_status
    from checker.models import Group
    from checker.pipeline import ScanOptions, settings_for
    from checker.rules import load_rules

    rules = load_rules(None)
    options = ScanOptions(root=batch, rules=rules, today=dt.date.fromisoformat(TODAY))
    engine = tesseract_status().engine_id
    stats = {"read_kept": 0.0, "read_dropped": 0.0, "osd": 0.0, "render": 0.0, "total": 0.0,
             "reads": 0, "osd_calls": 0, "pages": 0, "files": 0, "by_file": []}
    calls: list[tuple[str, float, object]] = []
    real_recognise, real_orientation = ocr_mod.recognise, ocr_mod.orientation
    real_render, real_frames = render_mod.render_pdf_pages, render_mod.load_image_frames

    def recognise(self, *a, **k):
        t0 = time.perf_counter()
        rec = real_recognise(self, *a, **k)
        calls.append(("read", time.perf_counter() - t0, rec))
        return rec

    def orientation(self, *a, **k):
        t0 = time.perf_counter()
        try:
            return real_orientation(self, *a, **k)
        finally:
            calls.append(("osd", time.perf_counter() - t0, None))

    def render(*a, **k):
        it = real_render(*a, **k)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                stats["render"] += time.perf_counter() - t0
                return
            stats["render"] += time.perf_counter() - t0
            yield item

    def frames(*a, **k):
        t0 = time.perf_counter()
        try:
            return real_frames(*a, **k)
        finally:
            stats["render"] += time.perf_counter() - t0

    ocr_mod.recognise, ocr_mod.orientation = recognise, orientation
    render_mod.render_pdf_pages, render_mod.load_image_frames = render, frames
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    by_source: dict[str, list[FloorPage]] = {}
    for page in pages:
        by_source.setdefault(page.source, []).append(page)
    texts = {str(t) for t in text_pdfs}
    stats["floor_pages"] = []
    stats["floor_sequential"] = 0.0
    prof = cProfile.Profile()
    try:
        with private_tempdir():
            for rel, row in report.items():   # every file, in the order doccheck hands them to workers
                if not (batch / rel).is_file():
                    continue
                group = Group.KYC if row["sku"] == "KYC" else Group.UNMAPPED if row["sku"] == "unmapped" else Group.SKU
                settings = settings_for(group, options, engine)
                data = (batch / rel).read_bytes()
                calls.clear()
                t0 = time.perf_counter()
                prof.enable()
                facts = extract_facts(data, settings)
                prof.disable()
                elapsed = time.perf_counter() - t0
                kept_texts = {p.text for p in facts.ocr_pages}
                kept = sum(t for kind, t, rec in calls if kind == "read" and rec.text in kept_texts)
                reads = [c for c in calls if c[0] == "read"]
                osd = [c for c in calls if c[0] == "osd"]
                stats["read_kept"] += kept
                stats["read_dropped"] += sum(t for _, t, _ in reads) - kept
                stats["osd"] += sum(t for _, t, _ in osd)
                stats["reads"] += len(reads)
                stats["osd_calls"] += len(osd)
                stats["pages"] += len(facts.ocr_pages)
                stats["files"] += 1
                stats["total"] += elapsed
                floor = 0.0
                for page in by_source.get(rel, []):
                    took = _timed(["tesseract", str(page.image), "-", "-l", page.langs], env)[0]
                    stats["floor_pages"].append(took)
                    floor += took
                if str(batch / rel) in texts:
                    floor += _timed(["pdftotext", "-q", str(batch / rel), "-"], env)[0]
                stats["floor_sequential"] += floor
                stats["by_file"].append((rel, group.value, len(facts.ocr_pages), len(reads), len(osd),
                                         round(elapsed, 2), [f"{r.langs}" for _, _, r in reads], round(floor, 2)))
    finally:
        ocr_mod.recognise, ocr_mod.orientation = real_recognise, real_orientation
        render_mod.render_pdf_pages, render_mod.load_image_frames = real_render, real_frames
    prof.dump_stats(out / "profile.pstats")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    stats["cprofile_top"] = buf.getvalue()
    return stats


def startup_cost(out: Path, jobs: int) -> float:
    """doccheck on an empty folder: interpreter, imports, rules, tesseract probes, report writing."""
    empty = out / "empty"
    empty.mkdir(exist_ok=True)
    times = []
    for i in range(3):
        cmd = doccheck_cmd() + ["scan", str(empty), "--jobs", str(jobs), "--cache-dir", str(out / f"cache-empty-{i}"),
                                "--today", TODAY, "-q", "--out", str(out / "empty-skus.csv")]
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=DOCCHECK_ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ============================================================================ main

def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tess = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    first = (tess.stdout or tess.stderr).splitlines()[0]
    return {"nproc": os.cpu_count(), "cpu": cpu, "tesseract": first, "python": platform.python_version(),
            "kernel": platform.release()}


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def spread(xs: list[float]) -> str:
    return f"{min(xs):.1f}–{max(xs):.1f}" if len(xs) > 1 else f"{xs[0]:.1f}"


def _counts(text: str) -> list[int]:
    """"1000,10000" -> [1000, 10000] (argparse type); "0" -> []."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    return [v for v in values if v > 0]


def summary_table(results: list[dict]) -> list[str]:
    """The command, the machine and every figure against its target, one table for the whole run."""
    head = headline(results[0])
    start = head.index("| measure | figure | target | |") + 2
    rows = head[start:]
    for res in results[1:]:
        rows.insert(1, headline(res)[start])   # its cold / floor row, under the first batch's
    return [*head[:start], *rows]


def render_all(results: list[dict], dask_text: str) -> str:
    """One markdown page for the whole run: every target in one table, then each batch's tables,
    the pages read per document kind, and the Dask comparison."""
    L = ["# doccheck benchmark", "", "Command (from the repository root, venv active or `.venv/bin/python`):", "",
         *summary_table(results), ""]
    if dask_text:
        L += [line for line in dask_text.splitlines() if line.startswith("* throughput") or line.startswith("* reports")
              or line.startswith("* shipping")]
        L.append("")
    L += ["## Pages read per document kind (cold scans of the scan-heavy batches)", ""]
    for res in results:
        L += [f"{res['scan_dpi']}-dpi batch:", "", res["pages_read"], ""]
    for res in results:
        body = render_markdown(res).split("\n")
        L += [f"# {res['scan_dpi']}-dpi scans", *body[body.index("## Against the targets") + 1:], ""]
    if dask_text:
        L += [dask_text, ""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skus", type=int, default=40, help="SKUs in the scan-heavy batch (default 40)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="doccheck --jobs and floor parallelism (default: cores)")
    ap.add_argument("--files", type=_counts, default=[], help="also a warm case on a batch of about N files, mostly text "
                    "PDFs; several counts comma-separated (1000,10000)")
    ap.add_argument("--repeat", type=int, default=3, help="cold/floor pairs, warm and touch runs to take medians of (default 3)")
    ap.add_argument("--out", type=Path, help="work folder (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--profile", action="store_true", help="also time doccheck's stages in-process on the OCR'd files")
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="markdown results file (default bench/results/latest.md)")
    ap.add_argument("--scan-dpi", type=_counts, default=[300],
                    help="resolution of the batch's 1-bit scans (default 300; 200: the office-scanner case of issue 18, "
                         "where every scanned page, grey ones included, is 200 dpi); several comma-separated "
                         "(300,200): one scan-heavy batch each")
    ap.add_argument("--dask", action="store_true", help="also the Dask comparison (bench/dask_compare.py: --jobs 1, "
                    "--jobs 2 and a LocalCluster of 2 single-threaded workers, bytes shipped and --shared-fs)")
    ap.add_argument("--dask-skus", type=int, default=6, help="SKUs in the Dask comparison's batch (default 6)")
    args = ap.parse_args(argv)
    command = "python bench/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    for tool in ("tesseract", "pdftotext"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (apt-get install tesseract-ocr poppler-utils)")
    if args.out:
        out = args.out.resolve()
        if out == (ROOT / "sample_docs").resolve() or (ROOT / "sample_docs").resolve() in out.parents:
            sys.exit("--out must not be inside sample_docs/")
        if out.exists() and any(out.iterdir()):
            sys.exit(f"--out {out} is not empty")
        out.mkdir(parents=True, exist_ok=True)
    else:
        out = Path(tempfile.mkdtemp(prefix="doccheck-bench-"))
    jobs, repeat = max(1, args.jobs), max(1, args.repeat)
    precompile()
    info = machine()
    print(f"doccheck bench: {args.skus} SKUs, --jobs {jobs}, repeat {repeat}, work folder {out}", flush=True)
    all_results: list[dict] = []
    dask_text = ""
    try:
        for n, dpi in enumerate(args.scan_dpi):
            global SCAN_DPI
            SCAN_DPI = dpi
            load_before = os.getloadavg()
            started = dt.datetime.now().astimezone()
            part = out / f"dpi-{dpi}" if len(args.scan_dpi) > 1 else out
            part.mkdir(parents=True, exist_ok=True)
            # the warm cases (text PDFs) do not depend on the scans' resolution: with the first batch only
            results = bench(argparse.Namespace(**{**vars(args), "files": args.files if n == 0 else []}), part, jobs, repeat)
            results.update(command=command, machine=info, started=started, load_before=load_before,
                           load_after=os.getloadavg(), jobs=jobs, repeat=repeat, skus=args.skus, scan_dpi=dpi)
            from pages_read import summarise

            results["pages_read"] = summarise([str(results["main"]["colds"][0].files_report)])
            if args.keep or args.out:
                dump_json(results, part / "results.json")
            all_results.append(results)
        if args.dask:
            import dask_compare

            dask_text = dask_compare.compare(args.dask_skus, repeat=repeat, scan_dpi=args.scan_dpi[-1], work=out / "dask",
                                             command=command)
    finally:
        if not args.keep and not args.out:
            shutil.rmtree(out, ignore_errors=True)
    text = render_all(all_results, dask_text)
    print()
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    print(f"written to {args.results}")
    if args.results.resolve() == DEFAULT_RESULTS.resolve():
        update_readme(all_results)
    return 0


def bench(args, out: Path, jobs: int, repeat: int) -> dict:
    ms = _ms()
    fonts = out / "fonts"
    fonts.mkdir()
    ms.prepare_fonts(fonts)
    res: dict = {}

    # ---------------------------------------------------------------- main batch
    t0 = time.perf_counter()
    skus = [make_sku(i, 10000) for i in range(args.skus)]
    specs = [f for i, s in enumerate(skus) for f in files_for(s, turned=(i == TURNED_SKU))]
    batch = out / "batch"
    built = write_batch(batch, skus, specs, jobs)
    print(f"built {built['files']} files ({built['bytes'] / 2**20:.1f} MiB) in {time.perf_counter() - t0:.0f} s: "
          f"{built['kinds']} + {built['kyc_files']} KYC", flush=True)
    res["main_built"] = built
    cmd_base = lambda cache: scan_cmd(batch, built["skus_csv"], jobs, cache)  # noqa: E731
    colds, floors = [], []
    pages = None
    text_pdfs: list[Path] = []
    for r in range(repeat):
        cache = out / f"cache-main-{r}"
        cold = run_doccheck(cmd_base(cache), out / "runs", f"main-cold-{r}")
        print(f"  cold {r + 1}: {cold.wall:.1f} s  {cold.summary}  peak {cold.maxrss_mb:.0f} MB", flush=True)
        colds.append(cold)
        if pages is None:
            report = read_report(cold.files_report)
            pages = floor_pages(batch, report, out / "floor")
            text_pdfs = [batch / rel for rel, row in report.items() if row["kind"] in ("text_pdf", "mixed_pdf")]
            res["cold_report"] = report
        fl = run_floor(pages, text_pdfs, jobs)
        print(f"  floor {r + 1}: {fl.total:.1f} s (tesseract {fl.tesseract_s:.1f} s on {len(pages)} pages, "
              f"pdftotext {fl.pdftotext_s:.2f} s on {len(text_pdfs)} PDFs)", flush=True)
        floors.append(fl)
    cache = out / f"cache-main-{repeat - 1}"
    warms = []
    for r in range(repeat):
        warm = run_doccheck(cmd_base(cache), out / "runs", f"main-warm-{r}")
        print(f"  warm {r + 1}: {warm.wall:.2f} s  {warm.summary}", flush=True)
        warms.append(warm)
    certs = [s for s in specs if "certificate" in s.rel]
    touch_spec = next((s for s in certs if s.kind == "scan_bw"), certs[0])   # a scanned one: it is re-OCR'd
    touches, touch_ok = [], []
    for r in range(repeat):
        new_date = retouch(batch, touch_spec, r + 1)
        run = run_doccheck(cmd_base(cache), out / "runs", f"main-touch-{r}")
        after = read_report(run.files_report)
        ok = verify_touch(run, after, res["cold_report"], touch_spec.rel, new_date)
        print(f"  touch {r + 1}: {run.wall:.2f} s  {run.summary}  only that file re-read: {ok}", flush=True)
        touches.append(run)
        touch_ok.append(ok)
    res["main"] = dict(colds=colds, floors=floors, warms=warms, touches=touches, touch_ok=touch_ok,
                       touch_file=touch_spec.rel, pages=pages, text_pdfs=len(text_pdfs))
    res["startup_s"] = startup_cost(out, jobs)
    res["sideways"] = sideways_cost(pages)
    print(f"  pages stored turned: {res['sideways']}", flush=True)
    print(f"  doccheck on an empty folder: {res['startup_s']:.2f} s", flush=True)

    if args.profile:
        print("profiling (in-process, one file at a time) ...", flush=True)
        try:
            res["profile"] = profile_batch(batch, res["cold_report"], out, pages, text_pdfs)
        except Exception as exc:   # the checkout is shared and changing: a profile failure must not lose the figures
            print(f"  profile failed: {type(exc).__name__}: {exc}", flush=True)
            res["profile_error"] = f"{type(exc).__name__}: {exc}"
    if "profile" in res:
        seq = res["profile"]["floor_pages"]
        res["profile"]["floor_render"] = sum(p.render_s for p in pages)
        times = [r[5] for r in res["profile"]["by_file"]]
        res["profile"]["schedule"] = {"discovery": makespan(times, jobs), "longest_first": makespan(sorted(times, reverse=True), jobs),
                                      "ideal": max(sum(times) / jobs, max(times, default=0.0)),
                                      "floor_pages": makespan(seq, jobs)}

    # ---------------------------------------------------------------- the 1,000- (and 10,000-) file warm cases
    for n_files in args.files:
        t0 = time.perf_counter()
        n_kyc = sum(1 for p in SAMPLE_KYC.rglob("*") if p.is_file() and not p.name.startswith("."))
        n_skus = max(1, (n_files - n_kyc + 1) // 2)   # the last SKU loses its manual when the count is odd
        big_skus = [make_sku(i, 50000, pattern=("scan_bw" if i % 100 == 50 else "text", "text"))
                    for i in range(n_skus)]
        big_specs = [f for s in big_skus for f in files_for(s)][:max(1, n_files - n_kyc)]
        big = out / f"files-batch-{n_files}"
        global FULL_PAPERS
        FULL_PAPERS = False
        try:
            built = write_batch(big, big_skus, big_specs, jobs)
        finally:
            FULL_PAPERS = True
        print(f"built {built['files']} files ({built['bytes'] / 2**20:.1f} MiB) in {time.perf_counter() - t0:.0f} s: "
              f"{built['kinds']} + {built['kyc_files']} KYC", flush=True)
        cache = out / f"cache-files-{n_files}"
        cmd = scan_cmd(big, built["skus_csv"], jobs, cache)
        cold = run_doccheck(cmd, out / "runs", f"files-{n_files}-cold")
        print(f"  cold: {cold.wall:.1f} s  {cold.summary}  peak {cold.maxrss_mb:.0f} MB", flush=True)
        warms = []
        for r in range(repeat):
            warm = run_doccheck(cmd, out / "runs", f"files-{n_files}-warm-{r}")
            print(f"  warm {r + 1}: {warm.wall:.2f} s  {warm.summary}  peak {warm.maxrss_mb:.0f} MB", flush=True)
            warms.append(warm)
        cold_report = read_report(cold.files_report)
        touch_spec = next(s for s in big_specs if s.kind == "text" and "certificate" in s.rel)
        touches, touch_ok = [], []
        for r in range(repeat):
            new_date = retouch(big, touch_spec, r + 1)
            run = run_doccheck(cmd, out / "runs", f"files-{n_files}-touch-{r}")
            ok = verify_touch(run, read_report(run.files_report), cold_report, touch_spec.rel, new_date)
            print(f"  touch {r + 1}: {run.wall:.2f} s  {run.summary}  only that file re-read: {ok}", flush=True)
            touches.append(run)
            touch_ok.append(ok)
        res.setdefault("files", {})[n_files] = dict(colds=[cold], warms=warms, touches=touches, touch_ok=touch_ok,
                                                    touch_file=touch_spec.rel, built=built)
    if args.profile:
        try:
            res["warm_profile"] = profile_warm(cmd if args.files else cmd_base(out / f"cache-main-{repeat - 1}"), out)
        except Exception as exc:
            print(f"  warm profile failed: {type(exc).__name__}: {exc}", flush=True)
    return res


def makespan(times: list[float], jobs: int) -> float:
    """Wall-clock of running tasks in this order on `jobs` workers, each taking the next task when free."""
    import heapq

    free = [0.0] * max(1, jobs)
    for t in times:
        heapq.heapreplace(free, free[0] + t)
    return max(free)


def profile_warm(cmd: list[str], out: Path) -> dict:
    """A warm scan in this process under cProfile (a warm scan starts no worker, so it sees everything)."""
    import contextlib
    import cProfile
    import pstats

    from checker.cli import main as cli_main

    argv = cmd[cmd.index("scan"):] + ["--out", str(out / "warm-profile-skus.csv")]
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        prof.enable()
        cli_main(argv)
        prof.disable()
    elapsed = time.perf_counter() - t0
    prof.dump_stats(out / "warm-profile.pstats")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    return {"seconds": elapsed, "top": buf.getvalue()}


def dump_json(results: dict, path: Path) -> None:
    import json

    def plain(o):
        if isinstance(o, (Run, Floor, FloorPage)):
            return {k: plain(v) for k, v in dataclasses.asdict(o).items() if k != "stdout"}
        if isinstance(o, dict):
            return {str(k): plain(v) for k, v in o.items() if k != "cold_report"}
        if isinstance(o, (list, tuple)):
            return [plain(v) for v in o]
        if isinstance(o, (Path, dt.datetime)):
            return str(o)
        return o

    path.write_text(json.dumps(plain(results), ensure_ascii=False, indent=1), encoding="utf-8")


def verify_touch(run: Run, after: dict, before: dict, rel: str, new_date: str) -> bool:
    """Only the touched file was read again: files-1 cache hits, its new date shows, every other row unchanged."""
    s = run.summary
    if s["hits"] != s["files"] - 1:
        return False
    if after[rel]["valid_until"] != new_date:
        return False
    return all(after[p] == row for p, row in before.items() if p != rel)


# ============================================================================ report

def hwm(runs: list[Run]) -> str:
    """Sampled high-water marks by kind of process, MB (every 0.25 s, so a short-lived peak can be missed)."""
    return " / ".join(f"{max(r.hwm_mb.get(k, 0) for r in runs):.0f}" for k in ("main", "worker", "tesseract")) + " MB"


README = ROOT / "bench" / "README.md"
README_BEGIN, README_END = "<!-- latest figures: begin (written by bench/run.py) -->", "<!-- latest figures: end -->"


# Issue 18's targets
TARGET_COLD_FLOOR = 1.05      # cold / floor, wall and CPU time, medians of the pairs
TARGET_WARM_SHARE = 0.01      # warm / cold on 1,000 files
TARGET_WARM_10K_S = 3.0       # a warm scan of 10,000 files, seconds
TARGET_RSS_MB = 300           # peak RSS of any process


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def same_pages_row(main: dict) -> str:
    """cold CPU over the floor's CPU on only the pages doccheck OCR'd (and pdftotext): doccheck's own
    overhead per page read, without the credit for the pages it did not need."""
    pages, colds, floors = main["pages"], main["colds"], main["floors"]
    read = [i for i, p in enumerate(pages) if p.read]
    ratios = [c.cpu_s / (sum(f.per_page_cpu[i] for i in read) + f.text_cpu_s) for c, f in zip(colds, floors)]
    return (f"| cold / floor on the same pages (the {len(read)} of {len(pages)} pages doccheck OCR'd) | CPU time "
            f"{med(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | (for information) | |")


def headline(res: dict) -> list[str]:
    """The figures against the targets, a few lines (results/latest.md has the rest)."""
    main = res["main"]
    colds, floors, warms, touches = main["colds"], main["floors"], main["warms"], main["touches"]
    ratios = [c.wall / f.total for c, f in zip(colds, floors)]
    cpu = [c.cpu_s / f.cpu_s for c, f in zip(colds, floors)]
    runs = colds + warms + touches
    rows = [f"| cold / floor, scan-heavy batch, {res.get('scan_dpi', 300)}-dpi scans ({colds[0].summary['files']} files, "
            f"{colds[0].summary['pages']} pages OCR'd; floor {len(main['pages'])} pages) "
            f"| wall {med(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}); CPU time {med(cpu):.2f} "
            f"| ≤ {TARGET_COLD_FLOOR} | {_met(med(ratios) <= TARGET_COLD_FLOOR and med(cpu) <= TARGET_COLD_FLOOR)} |",
            same_pages_row(main),
            f"| warm / cold, scan-heavy batch | {100 * med([w.wall for w in warms]) / med([c.wall for c in colds]):.1f} % "
            f"({med([w.wall for w in warms]):.2f} s / {med([c.wall for c in colds]):.1f} s) | | |"]
    touch_ok, n_touch = all(main["touch_ok"]), len(main["touch_ok"])
    for n_files, f in sorted(res.get("files", {}).items()):
        fc, fw = f["colds"][0], med([w.wall for w in f["warms"]])
        fcpu = med([w.cpu_s for w in f["warms"]])
        runs = runs + f["colds"] + f["warms"] + f["touches"]
        if n_files >= 10000:
            rows.append(f"| warm scan, {fc.summary['files']} files, mostly text PDFs | {fw:.2f} s (CPU {fcpu:.2f} s; cold "
                        f"{fc.wall:.0f} s) | ≤ {TARGET_WARM_10K_S:g} s | {_met(fw <= TARGET_WARM_10K_S)} |")
        else:
            rows.append(f"| warm / cold, {fc.summary['files']} files, mostly text PDFs | {100 * fw / fc.wall:.1f} % "
                        f"({fw:.2f} s / {fc.wall:.1f} s; CPU {100 * fcpu / fc.cpu_s:.1f} %) | ≤ {100 * TARGET_WARM_SHARE:g} % "
                        f"| {_met(fw <= TARGET_WARM_SHARE * fc.wall)} |")
        touch_ok = touch_ok and all(f["touch_ok"])
        n_touch += len(f["touch_ok"])
    rows.append(f"| after one file changes | only that file re-read in {n_touch} of {n_touch} runs"
                f"{'' if touch_ok else ' — NO, see latest.md'}; touch-one {med([t.wall for t in touches]):.2f} s "
                f"(scan-heavy) | only that file | {_met(touch_ok)} |")
    peak = max(r.maxrss_mb for r in runs)
    mains = f"main process {max(r.hwm_mb.get('main', 0) for r in colds + warms + touches):.0f} MB ({res['main_built']['files']} files)"
    for n_files, f in sorted(res.get("files", {}).items()):
        mains += f" / {max(r.hwm_mb.get('main', 0) for r in f['colds'] + f['warms'] + f['touches']):.0f} MB ({f['colds'][0].summary['files']} files)"
    rows.append(f"| peak RSS of any process | {peak:.0f} MB; {mains} | < {TARGET_RSS_MB} MB | {_met(peak < TARGET_RSS_MB)} |")
    m = res["machine"]
    return ["```", res["command"], "```", "",
            f"{res['started']:%Y-%m-%d %H:%M %Z}, {m['nproc']} cores, {m['tesseract']}, `--jobs {res['jobs']}`, "
            f"medians of {res['repeat']} runs, load average {res['load_before'][0]:.1f} before / "
            f"{res['load_after'][0]:.1f} after.", "",
            "| measure | figure | target | |", "| --- | --- | --- | --- |", *rows]


def update_readme(results: list[dict]) -> None:
    try:
        text = README.read_text(encoding="utf-8")
    except OSError:
        return
    if README_BEGIN not in text or README_END not in text:
        return
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    README.write_text(head + README_BEGIN + "\n" + "\n".join(summary_table(results)) + "\n" + README_END + tail, encoding="utf-8")
    print(f"figures updated in {README}")


def render_markdown(res: dict) -> str:
    m = res["machine"]
    main = res["main"]
    colds, floors, warms, touches = main["colds"], main["floors"], main["warms"], main["touches"]
    cold_s = med([c.wall for c in colds])
    floor_s = med([f.total for f in floors])
    ratios = [c.wall / f.total for c, f in zip(colds, floors)]
    warm_s = med([w.wall for w in warms])
    touch_s = med([t.wall for t in touches])
    rereads = [t.summary["files"] - t.summary["hits"] for t in touches]
    all_runs = colds + warms + touches
    built = res["main_built"]
    L = ["# doccheck benchmark — latest figures", "",
         f"Command (from the repository root, venv active or `.venv/bin/python`):", "", "```",
         res["command"], "```", "",
         f"* date: {res['started']:%Y-%m-%d %H:%M %Z}",
         f"* machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), Linux {m['kernel']}, Python {m['python']}",
         f"* {m['tesseract']}; `--jobs {res['jobs']}`; figures are medians of {res['repeat']} runs "
         f"(range in brackets)",
         f"* load average before / after: {res['load_before'][0]:.2f} / {res['load_after'][0]:.2f} "
         "(the machine was shared with other work: timings are noisy)", "",
         "## Against the targets", "", *headline(res)[6:], "",
         f"## Scan-heavy batch: {res['skus']} SKUs, {built['files']} files", "",
         f"{built['files']} files: {', '.join(f'{v} {k}' for k, v in sorted(built['kinds'].items()))}, "
         f"+ {built['kyc_files']} KYC files (copied from sample_docs/company/KYC).", "",
         "| measure | value |", "| --- | ---: |",
         f"| files | {colds[0].summary['files']} |",
         f"| pages OCR'd | {colds[0].summary['pages']} |",
         f"| cold s | {cold_s:.1f} ({spread([c.wall for c in colds])}) |",
         f"| warm s | {warm_s:.2f} ({spread([w.wall for w in warms])}) |",
         f"| warm / cold | {100 * warm_s / cold_s:.1f} % |",
         f"| touch-one s | {touch_s:.2f} ({spread([t.wall for t in touches])}) |",
         f"| files re-read after touch | {', '.join(map(str, rereads))} (expected 1; verified: "
         f"{'yes' if all(main['touch_ok']) else 'NO'}) |",
         f"| floor s | {floor_s:.1f} ({spread([f.total for f in floors])}) |",
         f"| – tesseract part | {med([f.tesseract_s for f in floors]):.1f} ({len(main['pages'])} page images) |",
         *([f"| – of which stored turned | {res['sideways']['pages']} pages: tesseract {res['sideways']['stored_s']:.1f} s as stored, "
             f"{res['sideways']['upright_s']:.1f} s turned upright (one at a time) |"] if res.get("sideways", {}).get("pages") else []),
         f"| – pdftotext part | {med([f.pdftotext_s for f in floors]):.2f} ({main['text_pdfs']} text PDFs) |",
         f"| **cold / floor** | **{med(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f}; target ≤ {TARGET_COLD_FLOOR}) |",
         f"| cold / floor per pair, s | {', '.join(f'{c.wall:.1f}/{f.total:.1f}' for c, f in zip(colds, floors))} |",
         f"| cold / floor per pair, CPU s | {', '.join(f'{c.cpu_s:.1f}/{f.cpu_s:.1f}' for c, f in zip(colds, floors))} |",
         f"| CPU s, cold (whole tree) / floor | {med([c.cpu_s for c in colds]):.1f} / {med([f.cpu_s for f in floors]):.1f}"
         f" = {med([c.cpu_s / f.cpu_s for c, f in zip(colds, floors)]):.2f} (less sensitive to other load) |",
         f"| peak RSS, largest process | {max(r.maxrss_mb for r in all_runs):.0f} MB (target < {TARGET_RSS_MB}) |",
         f"| – by kind: main / worker / tesseract | {hwm(all_runs)} |",
         f"| peak RSS, whole tree (sampled) | {max(r.tree_mb for r in all_runs):.0f} MB |",
         f"| tesseract alone, peak RSS (floor) | {max(f.maxrss_mb for f in floors):.0f} MB |",
         f"| doccheck on an empty folder | {res['startup_s']:.2f} s |", ""]
    for n_files, f in sorted(res.get("files", {}).items()):
        fb = f["built"]
        fc = f["colds"][0]
        fw = med([w.wall for w in f["warms"]])
        ft = med([t.wall for t in f["touches"]])
        L += [f"## Warm case: {fc.summary['files']} files, mostly text PDFs", "",
              f"{fb['files']} files: {', '.join(f'{v} {k}' for k, v in sorted(fb['kinds'].items()))}, "
              f"+ {fb['kyc_files']} KYC files.", "",
              "| measure | value |", "| --- | ---: |",
              f"| files | {fc.summary['files']} |",
              f"| pages OCR'd (cold) | {fc.summary['pages']} |",
              f"| cold s (one run) | {fc.wall:.1f} |",
              f"| warm s | {fw:.2f} ({spread([w.wall for w in f['warms']])}) |",
              f"| **warm / cold** | **{100 * fw / fc.wall:.1f} %** |",
              f"| touch-one s | {ft:.2f} ({spread([t.wall for t in f['touches']])}) |",
              f"| files re-read after touch | {', '.join(str(t.summary['files'] - t.summary['hits']) for t in f['touches'])} "
              f"(verified: {'yes' if all(f['touch_ok']) else 'NO'}) |",
              f"| CPU s, cold / warm | {fc.cpu_s:.1f} / {med([w.cpu_s for w in f['warms']]):.2f} |",
              f"| peak RSS, largest process | {max(r.maxrss_mb for r in f['colds'] + f['warms'] + f['touches']):.0f} MB |",
              f"| – by kind: main / worker / tesseract | {hwm(f['colds'] + f['warms'] + f['touches'])} |",
              f"| peak RSS, whole tree (sampled) | {max(r.tree_mb for r in f['colds'] + f['warms'] + f['touches']):.0f} MB |",
              ""]
    if "profile" in res:
        p = res["profile"]
        L += ["## Where the cold time goes (in-process, one file at a time, `--profile`)", "",
              "| stage | s | |", "| --- | ---: | --- |",
              f"| tesseract reads kept | {p['read_kept']:.1f} | {p['pages']} pages |",
              f"| tesseract reads dropped (retries) | {p['read_dropped']:.1f} | {p['reads'] - p['pages']} extra reads |",
              f"| OSD runs | {p['osd']:.1f} | {p['osd_calls']} runs |",
              f"| rendering / decoding | {p['render']:.1f} | |",
              f"| everything else | {p['total'] - p['read_kept'] - p['read_dropped'] - p['osd'] - p['render']:.1f} | |",
              f"| **total** | **{p['total']:.1f}** | {p['files']} files (text PDFs too) |",
              f"| floor, same pages, one at a time | {p['floor_sequential']:.1f} | each file's pages right after doccheck read it: plain `tesseract IMG - -l LANGS`, and pdftotext |",
              f"| doccheck / floor, one at a time | {p['total'] / p['floor_sequential']:.2f} | |", "",
              f"Scheduling, from these per-file times on {res['jobs']} workers: files in discovery order "
              f"{p['schedule']['discovery']:.1f} s, longest first {p['schedule']['longest_first']:.1f} s, "
              f"ideal (sum/J or the longest file) {p['schedule']['ideal']:.1f} s; the floor's pages in order "
              f"{p['schedule']['floor_pages']:.1f} s.", "",
              "Per file (slowest first):", "",
              "| file | profile | pages | tesseract reads | OSD | s | floor s | languages tried |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for rel, group, n_pages, n_reads, n_osd, secs, langs, floor in sorted(p["by_file"], key=lambda r: -r[5])[:20]:
            L.append(f"| {rel} | {'kyc' if group == 'kyc' else 'product'} | {n_pages} | {n_reads} | {n_osd} | "
                     f"{secs:.1f} | {floor:.1f} | {', '.join(langs)} |")
        L.append("")
    if "warm_profile" in res:
        w = res["warm_profile"]
        top = [ln for ln in w["top"].splitlines() if ln.strip()]
        start = next((i for i, ln in enumerate(top) if ln.lstrip().startswith("ncalls")), 0)
        L += [f"Warm scan in-process under cProfile: {w['seconds']:.2f} s (cumulative, top entries):", "", "```",
              *[ln[:150] for ln in top[start:start + 26]], "```", ""]
    if "profile_error" in res:
        L += [f"Profile failed: {res['profile_error']}", ""]
    L += ["How the figures are made: see bench/README.md.", ""]
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
