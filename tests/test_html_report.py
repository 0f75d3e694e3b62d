"""--html REPORT.html: one self-contained page a person opens in a browser.

The markup tests run everywhere; the browser tests drive Debian's chromium through selenium and
chromedriver (skipped only when chromium is missing and CI is unset; in CI they must run). The
browser test saves a screenshot to artifacts/html-report.png for CI to keep.

Regenerate the README's screenshot (a real OCR run of sample_docs/company):
    .venv/bin/doccheck scan sample_docs/company --skus sample_docs/company/skus.csv --today 2026-11-26 \\
        --html /tmp/company.html --out /tmp/company.csv
    .venv/bin/python tests/test_html_report.py /tmp/company.html docs/html-report.png PB-6002 1600
"""

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_docs"
ARTIFACTS = REPO / "artifacts"
TODAY = "2026-11-26"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOSTILE_NAME = "<img src=x onerror=alert(1)>.pdf"
HOSTILE_CELL = "<script>alert('cell')</script>"
HOSTILE_CATEGORY = '"><b onmouseover=alert(2)>x</b>'


def run_scan(root: Path, out: Path, *extra: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    """Scan with the cache on (the default path), in `cache` when given (shared: later runs are warm)."""
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--today", TODAY, "--no-ocr",
                           "--html", str(out / "r.html"), "--json", str(out / "r.json"), "--out", str(out / "r.csv"),
                           "--cache-dir", str(cache or out / "cache"), *extra],
                          capture_output=True, text=True, timeout=300, cwd=out)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture(scope="module")
def company_cache(tmp_path_factory):
    """One cache for the module's runs of the company papers: the first (`company`, English) reads
    every file cold; the Russian, Chinese and with-KYC runs read the same papers warm, as a user's
    re-run would (the cache is keyed by content, not path)."""
    return tmp_path_factory.mktemp("html-cache")


@pytest.fixture(scope="module")
def company(tmp_path_factory, company_cache):
    """sample_docs/company without its KYC folder (so --no-ocr gives a mix of ok, at risk and disabled)."""
    tmp = tmp_path_factory.mktemp("html-company")
    root = tmp / "company"
    shutil.copytree(SAMPLES / "company", root, ignore=shutil.ignore_patterns("KYC"))
    run_scan(root, tmp / "out", "--skus", str(root / "skus.csv"), cache=company_cache)
    return tmp / "out"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """File names, CSV cells and a category written to break out of the markup."""
    tmp = tmp_path_factory.mktemp("html-hostile")
    root = tmp / "papers"
    sku = root / "PB-1"
    sku.mkdir(parents=True)
    cert = (SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf").read_bytes()
    (sku / HOSTILE_NAME).write_bytes(cert)
    (sku / "RU_a\"b'c&d.pdf").write_bytes(cert)
    skus = tmp / "skus.csv"
    with open(skus, "w", encoding="utf-8", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow(["sku", "category", "name"])
        writer.writerow(["PB-1", HOSTILE_CATEGORY, HOSTILE_CELL])
    run_scan(root, tmp / "out", "--skus", str(skus))
    return tmp / "out"


# --- the markup ----------------------------------------------------------------------------------

def test_everything_from_names_and_cells_is_escaped(hostile):
    page = (hostile / "r.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1            # ours, and only ours
    assert "<img" not in page and "<b onmouseover" not in page and "alert('cell')</script>" not in page
    assert html.escape(HOSTILE_NAME) in page
    assert html.escape(HOSTILE_CELL) in page
    assert html.escape(HOSTILE_CATEGORY) in page
    assert "RU_a&quot;b&#x27;c&amp;d.pdf" in page
    # attributes are always double-quoted and their values escaped: no quote breaks out of one
    for value in re.findall(r'data-search="([^"]*)"', page):
        assert "<" not in value and ">" not in value


def test_page_is_self_contained(company):
    page = (company / "r.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", page, re.I)
    assert not re.search(r"<(?:link|iframe|object|embed|img|base)\b", page, re.I)
    assert "@import" not in page and "url(" not in page
    # The CSP allows exactly our one style and one script block, by hash.
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp
    for tag in ("style", "script"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert len(blocks) == 1
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode("utf-8")).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


def test_page_has_summary_reasons_files_and_kyc(company, company_cache, tmp_path):
    page = (company / "r.html").read_text(encoding="utf-8")
    document = json.loads((company / "r.json").read_text(encoding="utf-8"))
    assert page.count('class="sku-group') == len(document["skus"])
    assert f"<b>{document['summary']['disabled']}</b><span>chat disabled</span>" in page
    # a reason in plain words, why, and what to do about it
    assert "Conformity document expired" in page and "What to do:" in page and "Why:" in page
    # each file's details: type, pages read, numbers, dates
    assert "PDF with a text layer" in page and "Pages read" in page
    assert html.escape("ЕАЭС RU С-CN.АЯ46.В.01234/23") in page
    assert "2023-03-12 → 2028-03-11" in re.sub(r"<[^>]+>", "", page)    # the dates sit in no-break spans
    # no KYC folder here: said so, not silently left out
    assert "KYC not judged" in page
    # with the KYC folder, the checklist (OCR off: the scans are unread, so KYC is not judged, not incomplete)
    full = tmp_path / "with-kyc"
    run_scan(SAMPLES / "company", full, "--skus", str(SAMPLES / "company" / "skus.csv"), cache=company_cache)
    page = (full / "r.html").read_text(encoding="utf-8")
    assert "KYC checklist" in page and "the KYC scans were not read" in page and "KYC incomplete" not in page
    assert page.count('<tr class="unmet">') + page.count('<tr class="met">') == 4
    assert "Passport of the legal representative" in page


# --- in the run's language (--lang) --------------------------------------------------------------

ENGLISH_LABELS = ("Ozon compliance papers", "chat disabled", "Buyer chat", "Pages read", "What to do:", "Why:",
                  "Expand all", "Search SKU", "shown", "KYC not judged", "What the reasons mean", "No SKU matches",
                  "PDF with a text layer", "Generated ", "does not count", "Seller Dashboard", "valid until")


@pytest.fixture(scope="module")
def translated(tmp_path_factory, company, company_cache):
    """The company sample (no KYC folder, as in `company`) scanned with --lang ru and --lang zh."""
    tmp = tmp_path_factory.mktemp("html-lang")
    root = tmp / "company"
    shutil.copytree(SAMPLES / "company", root, ignore=shutil.ignore_patterns("KYC"))
    out = {}
    for lang in ("ru", "zh"):
        run_scan(root, tmp / lang, "--skus", str(root / "skus.csv"), "--lang", lang, cache=company_cache)
        out[lang] = tmp / lang
    return out


def page_of(lang, company, translated) -> str:
    folder = company if lang == "en" else translated[lang]
    return (folder / "r.html").read_text(encoding="utf-8")


def visible_text(page: str) -> str:
    """What a reader sees or a screen reader says: text, placeholders, labels (the script excluded)."""
    body = re.sub(r"<script>.*?</script>", "", page[page.index("<body>"):], flags=re.S)
    attrs = " ".join(re.findall(r'(?:placeholder|aria-label|data-template|data-expand|data-collapse)="([^"]*)"', body))
    attrs = re.sub(r"\{\w+\}", " ", attrs)           # the script's {placeholders} are not words
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + attrs)


@pytest.mark.parametrize("lang,words", [
    ("ru", ["Разрешительные документы для Ozon", "Чат с покупателями", "Прочитано страниц", "Что сделать:",
            "Развернуть все", "KYC не проверялся", "Что означают причины", "Категория", "PDF с текстовым слоем",
            "Настройки чата в личном кабинете продавца", "чат отключён"]),
    ("zh", ["Ozon 资质文件", "买家聊天", "已读页数", "处理方法：", "全部展开", "未检查 KYC", "各原因的含义", "类目",
            "带文本层的 PDF", "卖家后台中的聊天设置", "聊天已关闭"]),
])
def test_page_speaks_the_language(company, translated, lang, words):
    page = page_of(lang, company, translated)
    assert f'<html lang="{lang}">' in page
    text = visible_text(page)
    for word in words:
        assert word in text, word
    for label in ENGLISH_LABELS:
        assert label not in text, f"English UI label left in the {lang} page: {label!r}"
    # codes and the page's structure stay as they are
    assert "<code>certificate_expired</code>" in page
    assert page.count('class="sku-group') == (company / "r.html").read_text(encoding="utf-8").count('class="sku-group')
    for status in ("disabled", "at_risk", "ok"):
        assert f'data-filter="{status}"' in page
    # the script's words travel in escaped data- attributes: the one script block and its CSP hash hold
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    for tag in ("style", "script"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert len(blocks) == 1
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode("utf-8")).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_page_carries_the_chat_settings_footer(company, translated, lang):
    from checker import i18n

    page = page_of(lang, company, translated)
    heading, settings = i18n.chat_settings(lang)
    section = re.search(r'<section id="chat-settings">(.*?)</section>', page, re.S).group(1)
    assert html.escape(heading) in section
    assert html.escape(i18n.t("html.settings.heading", lang)) in section
    for setting in settings:
        assert html.escape(setting) in section
    assert section.count('<input type="checkbox">') == len(settings) == 4


def test_render_takes_the_run_language_like_the_csv_writers():
    """render_html speaks the language it is handed (the CLI hands it --lang), like the CSV writers."""
    from checker.report.html import render_html

    result = _a_small_result()
    page = render_html(result, lang="zh")
    assert '<html lang="zh">' in page and "买家聊天" in page and "Buyer chat" not in page
    assert '<html lang="ru">' in render_html(result, lang="ru")
    assert '<html lang="en">' in render_html(result, lang="fr")       # not a --lang value: English


def _a_small_result():
    """The smallest ScanResult the page renders: one SKU, no files, no KYC folder."""
    from datetime import date

    from checker.codes import ChatStatus
    from checker.models import KycResult, ScanResult, ScanStats, SkuResult

    sku = SkuResult(sku="A-1", category_input="toys", category="toys", status=ChatStatus.OK)
    return ScanResult(root="papers", today=date(2026, 11, 26), seller_type="company", skus=[sku], files=[],
                      kyc=KycResult(judged=False, profile="company"), stats=ScanStats())


# --- in a real browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    try:
        import selenium  # noqa: F401  (only: is it installed?)
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + ", ".join(missing) + " (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def start_browser(profile: Path, width: int = 1280, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")       # a fresh profile: nothing carried over
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The Debian driver, named explicitly: selenium never downloads one.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_window_size(width, height)
    driver.set_page_load_timeout(30)
    return driver


def screenshot(driver, png: Path, width: int = 1280, max_height: int = 1500) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height, max_height))
    png.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(png))


def visible_skus(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('tbody.sku-group'))"
        ".filter(g => getComputedStyle(g).display !== 'none')"
        ".map(g => g.getAttribute('data-sku'))")


def severe(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_report_in_a_browser_loads_clean_and_filters(company, browser):
    from selenium.webdriver.common.by import By

    document = json.loads((company / "r.json").read_text(encoding="utf-8"))
    by_status = {}
    for sku in document["skus"]:
        by_status.setdefault(sku["chat_status"], set()).add(sku["sku"])
    assert len(by_status) == 3, "the sample should show all three statuses"
    browser.get((company / "r.html").as_uri())
    assert browser.title.startswith("doccheck report")
    assert severe(browser) == []                                  # no script error, no CSP violation
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    all_skus = [s["sku"] for s in document["skus"]]
    assert sorted(visible_skus(browser)) == sorted(all_skus)
    # details start folded; a click unfolds them
    first = browser.find_element(By.CSS_SELECTOR, "tbody.sku-group tr.summary")
    more = browser.find_element(By.CSS_SELECTOR, "tbody.sku-group tr.more")
    assert not more.is_displayed()
    first.click()
    assert more.is_displayed() and "What to do:" in more.text
    first.click()
    # the status filter shows one status and hides the others
    for status in ("disabled", "at_risk", "ok"):
        browser.find_element(By.CSS_SELECTOR, f'button[data-filter="{status}"]').click()
        assert set(visible_skus(browser)) == by_status[status], status
        shown = browser.find_element(By.ID, "shown").text
        assert shown == f"{len(by_status[status])} of {len(all_skus)} shown"
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="all"]').click()
    assert len(visible_skus(browser)) == len(all_skus)
    # the search box filters by SKU, and combines with the status filter
    search = browser.find_element(By.ID, "search")
    search.send_keys("pb-100")
    expected = {s for s in all_skus if "pb-100" in s.lower()}
    assert set(visible_skus(browser)) == expected and 0 < len(expected) < len(all_skus)
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="disabled"]').click()
    assert set(visible_skus(browser)) == expected & by_status["disabled"]
    search.clear()
    search.send_keys("no-such-sku")
    assert visible_skus(browser) == [] and browser.find_element(By.ID, "no-match").is_displayed()
    search.clear()
    search.send_keys(" ")     # clear() sends no input event; a keystroke does
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="all"]').click()
    assert len(visible_skus(browser)) == len(all_skus)
    assert severe(browser) == []
    # the artefact CI keeps: the top of the page with one SKU unfolded
    browser.find_element(By.CSS_SELECTOR, "tbody.sku-group.disabled tr.summary").click()
    screenshot(browser, ARTIFACTS / "html-report.png")
    assert (ARTIFACTS / "html-report.png").stat().st_size > 10_000


def test_translated_report_in_a_browser(translated, browser):
    """The script's words (N of M shown, Expand/Collapse all) come from the page, in its language."""
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get((translated["ru"] / "r.html").as_uri())
    assert browser.title.startswith("Отчёт doccheck")
    assert severe(browser) == []
    total = len(visible_skus(browser))
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="disabled"]').click()
    shown = len(visible_skus(browser))
    assert 0 < shown < total
    assert browser.find_element(By.ID, "shown").text == f"Показано {shown} из {total}"
    expand = browser.find_element(By.ID, "expand-all")
    assert expand.text == "Развернуть все"
    expand.click()
    assert expand.text == "Свернуть все"
    browser.get((translated["zh"] / "r.html").as_uri())
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="ok"]').click()
    assert browser.find_element(By.ID, "shown").text == f"显示 {len(visible_skus(browser))} / {total} 个"
    assert severe(browser) == []


@pytest.mark.parametrize("width", [390, 1280])
def test_report_fits_a_phone_and_a_desktop(translated, browser, width):
    """A Chinese seller opens the mailed report on a phone: no horizontal scroll, the first SKU's
    status beside its name in the first screen, dates on one line, expired papers with their end
    date, categories by name, no local path and no markup characters. Screenshots kept in artifacts/."""
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 844 if width < 600 else 1000)
    browser.get((translated["zh"] / "r.html").as_uri())
    assert severe(browser) == []
    scroll = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"horizontal scroll at {width} px: {scroll}"
    first = browser.find_element(By.CSS_SELECTOR, "tbody.sku-group tr.summary")
    badge, name = first.find_element(By.CSS_SELECTOR, ".badge"), first.find_element(By.CSS_SELECTOR, ".sku-id")
    view = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    rect = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]", badge)
    assert 0 <= rect[0] and rect[2] <= view[0] and rect[3] <= view[1], f"status badge {rect} outside the first screen {view}"
    assert abs(badge.rect["y"] - name.rect["y"]) < 24             # the status beside the SKU's name
    assert badge.text == "已关闭"
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('.date')).map(d => d.getClientRects().length)")
    shown = [n for n in lines if n]                                 # dates in folded rows have no boxes
    assert shown and set(shown) == {1}                              # no date broken across lines
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "已于 2025-05-14 过期" in text                            # PB-1002's expired certificate, with its date
    assert "移动电源" in text and "power_bank" not in text.split("\n")[0]
    assert "`" not in text and "<" not in text
    assert str(translated["zh"].parent) not in text                 # the batch's name, not the local path
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"html-report-zh-{width}px.png"))


def test_hostile_report_runs_no_injected_code(hostile, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get((hostile / "r.html").as_uri())
    browser.find_element(By.CSS_SELECTOR, "tbody.sku-group tr.summary").click()
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.execute_script("return document.images.length") == 0
    assert browser.execute_script("return document.scripts.length") == 1
    page_text = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE_NAME in page_text and HOSTILE_CELL in page_text
    assert severe(browser) == []


if __name__ == "__main__":
    # python tests/test_html_report.py REPORT.html OUT.png [SKU to unfold] [max-height]: the README's screenshot
    report, png = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    unfold = sys.argv[3] if len(sys.argv) > 3 else None
    profile = tempfile.TemporaryDirectory(prefix="doccheck-chromium-")
    driver = start_browser(Path(profile.name))
    try:
        driver.get(report.as_uri())
        from selenium.webdriver.common.by import By

        selector = f'tbody.sku-group[data-sku="{unfold}"] tr.summary' if unfold else "tbody.sku-group.disabled tr.summary"
        driver.find_element(By.CSS_SELECTOR, selector).click()
        screenshot(driver, png, max_height=int(sys.argv[4]) if len(sys.argv) > 4 else 1500)
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        print(f"{png}: written; console errors: {errors or 'none'}")
    finally:
        driver.quit()
        profile.cleanup()
