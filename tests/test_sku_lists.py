"""SKU lists as the tools sellers use write them (issue 13): Excel's "Unicode text", .xlsx with
title rows, Ozon's export columns, Chinese headers, and files that are no SKU list at all."""

import zipfile
from pathlib import Path

import pytest

from checker.mapping.skus import SkuFileError, parse_sku_csv, read_sku_csv

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (REPO.parent / "shared", Path("/work/shared")) if (p / "cases").is_dir()), REPO.parent / "shared")
CASES = SHARED / "cases"
needs_cases = pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases not present beside the checkout")


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An .xlsx as Excel writes it: each sheet's rows as given (title rows and all)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


OZON_TEMPLATE = [
    ["Шаблон для поставщика", None, None],          # Ozon's templates put title rows above the header
    ["Заполните обязательные поля, отмеченные *", None, None],
    [None, None, None],
    ["Артикул*", "Наименование товара", "Бренд"],
    ["PB-3001", "Внешний аккумулятор TESTBRAND 10000 мАч", "TESTBRAND"],
    [40012345, "Смарт-часы TESTBRAND Fit 2", "TESTBRAND"],     # a number typed in Excel stays 40012345
    ["KT-7", "Чайник электрический TESTBRAND", None],
]


@needs_cases
def test_excel_unicode_text_is_read_as_a_sku_list():
    result = read_sku_csv(CASES / "sku-lists" / "excel-unicode-text.txt")
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    [row] = result.rows
    assert (row.sku, row.category) == ("PB-3001", "Внешние аккумуляторы")
    assert row.name == "Внешний аккумулятор TESTBRAND 10000 мАч"


def test_utf16_little_and_big_endian_and_tab():
    text = "артикул\tкатегория\nA-1\tИгрушки\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        bom = "\ufeff".encode(encoding)
        result = parse_sku_csv(bom + text.encode(encoding))
        assert [(r.sku, r.category) for r in result.rows] == [("A-1", "Игрушки")]


def test_xlsx_with_title_rows_and_ozon_columns(tmp_path):
    result = read_sku_csv(workbook(tmp_path / "ozon.xlsx", {"Товары": OZON_TEMPLATE}))
    assert result.encoding == "xlsx" and result.sheet == "Товары" and not result.has_category
    assert [r.sku for r in result.rows] == ["PB-3001", "40012345", "KT-7"]
    assert result.rows[0].name.startswith("Внешний аккумулятор") and result.rows[0].brand == "TESTBRAND"
    assert result.rows[0].line == 5                      # the sheet's row, as Excel numbers it
    assert result.rows[1].row == {"Артикул*": "40012345", "Наименование товара": "Смарт-часы TESTBRAND Fit 2", "Бренд": "TESTBRAND"}
    assert any("taken from the start of its product name" in w for w in result.warnings)


def test_xlsx_sheet_by_name_and_a_missing_sheet_names_the_sheets(tmp_path):
    path = workbook(tmp_path / "list.xlsx", {"Инструкция": [["Как заполнить"]],
                                             "SKU": [["货号", "类目", "商品名称", "品牌"], ["CN-1", "移动电源", "充电宝 X", "ACME"]]})
    with pytest.raises(SkuFileError, match="no 'sku' column"):
        read_sku_csv(path)                              # the first sheet holds no list
    result = read_sku_csv(path, "SKU")
    assert [(r.sku, r.category, r.name, r.brand) for r in result.rows] == [("CN-1", "移动电源", "充电宝 X", "ACME")]
    with pytest.raises(SkuFileError) as caught:
        read_sku_csv(path, "Лист1")
    assert "Лист1" in str(caught.value) and "Инструкция, SKU" in str(caught.value)


@pytest.mark.parametrize("header,field", [
    ("offer_id;type", "category"), ("Vendor Code;Категория", "category"), ("ARTICLE;Тип", "category"),
    ("商品编码;品类", "category"), ("SKU ;CATEGORY", "category"),
])
def test_header_aliases_case_insensitive(header, field):
    result = parse_sku_csv(f"{header}\nX-1;Toys\n".encode())
    assert [(r.sku, r.category) for r in result.rows] == [("X-1", "Toys")]


def test_csv_title_rows_above_the_header():
    data = "Выгрузка товаров 2026-03-05;;\n;;\nАртикул;Категория;Бренд\nA-1;Книги;X\n".encode("cp1251")
    result = parse_sku_csv(data)
    assert result.encoding == "cp1251" and [(r.sku, r.category, r.brand, r.line) for r in result.rows] == [("A-1", "Книги", "X", 4)]


def test_duplicate_skus_compare_as_text_not_bytes():
    nfd = "ЧАЙНИК-01".replace("Й", "И\u0306")
    result = parse_sku_csv(f"sku,category\nЧАЙНИК-01,Toys\n{nfd},Books\n".encode())
    assert [r.category for r in result.rows] == ["Toys"]
    assert any("listed again" in w for w in result.warnings)


def _numbers_file(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\x00\x01")
        archive.writestr("Metadata/Properties.plist", b"<plist/>")
    return path


def _ods_file(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    return path


@pytest.mark.parametrize("name,make,says", [
    ("old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), ".xls workbook from old Excel"),
    ("list.txt", lambda p: p.write_bytes("sku\tcategory\nA-1\tToys\n".encode("utf-16-le")), "UTF-16 text without a byte-order mark"),
    ("list.numbers", _numbers_file, "Apple Numbers"),
    ("list.ods", _ods_file, "OpenDocument spreadsheet"),
    ("list.csv", lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"), "a PDF"),
    ("broken.xlsx", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 40), "ZIP archive"),
])
def test_unreadable_list_says_what_it_looks_like_in_one_line_exit_2(run_cli, tmp_path, name, make, says):
    path = tmp_path / name
    make(path)
    (tmp_path / "papers").mkdir()
    code, out, err = run_cli("scan", tmp_path / "papers", "--skus", path, "--no-ocr", "--cache-dir", tmp_path / "cache",
                             "--out", tmp_path / "r.csv")
    assert code == 2
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_numbers_package_folder_is_named(run_cli, tmp_path):
    (tmp_path / "list.numbers" / "Index").mkdir(parents=True)
    (tmp_path / "papers").mkdir()
    code, _, err = run_cli("scan", tmp_path / "papers", "--skus", tmp_path / "list.numbers", "--no-ocr", "--out", tmp_path / "r.csv")
    assert code == 2 and "Apple Numbers" in err


def test_unreadable_list_message_in_russian(run_cli, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp_path / "papers").mkdir()
    code, _, err = run_cli("scan", tmp_path / "papers", "--skus", path, "--no-ocr", "--lang", "ru", "--out", tmp_path / "r.csv")
    assert code == 2 and "старого Excel" in err


def test_large_list_streams_from_disk(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("sku;category;name\n")
        for i in range(200_000):
            handle.write(f"SKU-{i};Книги;Книга {i}\n")
    result = read_sku_csv(path)
    assert len(result.rows) == 200_000 and result.rows[-1].name == "Книга 199999" and result.delimiter == ";"
    assert result.rows[0].columns is result.rows[-1].columns     # one column list, not one per row


def test_category_column_preferred_over_product_type():
    result = parse_sku_csv("Артикул;Тип;Категория\nPB-1;Внешний аккумулятор;Электроника/Внешние аккумуляторы\n".encode())
    assert result.rows[0].category == "Электроника/Внешние аккумуляторы"


# --- lists with no SKU rows, quotes left open, empty rows and stray spaces ---------------------------

def _scan(run_cli, tmp_path, skus, *more):
    """`doccheck scan` of an empty papers folder with the SKU list `skus`: (exit code, stdout, stderr)."""
    (tmp_path / "papers").mkdir(exist_ok=True)
    return run_cli("scan", tmp_path / "papers", "--skus", skus, "--no-ocr", "--cache-dir", tmp_path / "cache",
                   "--today", "2026-11-26", *more)


@pytest.mark.parametrize("name,make", [
    ("onlyheader.csv", lambda p: p.write_bytes(b"sku,category\n")),
    ("blank.csv", lambda p: p.write_bytes("\ufeffАртикул;Категория\n\n;;\n\n".encode())),   # only empty rows under it
    ("nosku.csv", lambda p: p.write_bytes(b"sku,category\n,power_bank\n")),             # rows, none with a SKU
    ("list.txt", lambda p: p.write_bytes("\ufeffsku\tcategory\r\n".encode("utf-16-le"))),
    ("list.xlsx", lambda p: workbook(p, {"Товары": [["Шаблон"], ["Артикул*", "Категория"], [None, None]]})),
])
def test_list_without_sku_rows_is_refused_in_one_line_exit_2(run_cli, tmp_path, name, make):
    path = tmp_path / name
    make(path)
    code, _, err = _scan(run_cli, tmp_path, path, "--out", tmp_path / "r.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{path}: the SKU list has a header but no rows with a SKU" in err
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("text,line", [
    ('sku,category\n"PB-1001,power_bank\nPB-1002,power_bank\n', 2),           # never closed: the rest is one cell
    ('sku,category\r\nPB-1000,power_bank\r\n"PB-1001,power_bank\r\nPB-1002",power_bank\r\nPB-1003,toy\r\n', 3),  # closed a line later
    ('sku;category;name\nPB-1;power_bank;"Аккумулятор\nPB-2;power_bank;x\n', 2),  # left open in another column
    ('"sku,category\nPB-1001,power_bank\n', 1),                                # the header itself swallowed
])
def test_quote_left_open_is_refused_naming_its_line(run_cli, tmp_path, text, line):
    path = tmp_path / "quotes.csv"
    path.write_text(text, encoding="utf-8", newline="")
    code, out, err = _scan(run_cli, tmp_path, path, "--out", "-", "-q")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"{path}: line {line}: a quote opened here is not closed on that line, so the lines after it would be read as one cell" in err


def test_quote_left_open_in_a_long_list_is_named_too(tmp_path):
    """csv gives up on a field over 128 KB: still the quote's line, not csv's complaint."""
    path = tmp_path / "long.csv"
    path.write_text('sku,category\nPB-1,power_bank\n"PB-2,power_bank\n' + "".join(f"PB-{i},power_bank\n" for i in range(3, 20_000)),
                    encoding="utf-8")
    with pytest.raises(SkuFileError, match="line 3: a quote opened here is not closed"):
        read_sku_csv(path)


@pytest.mark.parametrize("lang,says", [
    ("ru", "строка 2: открытая здесь кавычка не закрыта"),
    ("zh", "第 2 行：此处开始的引号未在本行闭合"),
])
def test_open_quote_and_no_rows_are_said_in_the_language(run_cli, tmp_path, lang, says):
    path = tmp_path / "quotes.csv"
    path.write_text('sku,category\n"PB-1001,power_bank\nPB-1002,power_bank\n', encoding="utf-8")
    code, _, err = _scan(run_cli, tmp_path, path, "--lang", lang, "--no-reports")
    assert code == 2 and says in err
    path.write_text("sku,category\n", encoding="utf-8")
    code, _, err = _scan(run_cli, tmp_path, path, "--lang", lang, "--no-reports")
    assert code == 2 and {"ru": "нет ни одной строки с SKU", "zh": "没有任何含 SKU 的行"}[lang] in err


def test_quoted_cells_with_the_delimiter_and_titles_over_two_lines_are_read():
    data = ('"Выгрузка товаров\n2026-03-05";;\n'                    # a title cell over two lines, above the header
            'Артикул;Категория;Наименование товара\n'
            'PB-1;power_bank;"Внешний аккумулятор; 10000 мАч"\n'
            'PB-2;power_bank;"Аккумулятор ""Мини"", 5000 мАч"\n').encode()
    result = parse_sku_csv(data)
    assert [(r.sku, r.name, r.line) for r in result.rows] == [("PB-1", "Внешний аккумулятор; 10000 мАч", 4),
                                                              ("PB-2", 'Аккумулятор "Мини", 5000 мАч', 5)]
    assert result.warnings == []


def test_stray_spaces_and_rows_without_a_sku_are_warned_blank_rows_are_not(run_cli, tmp_path):
    path = tmp_path / "sp.csv"
    path.write_bytes("\ufeffАртикул;Категория\nPB-1001;power_bank\n  PB-1002  ;power_bank\n\n;;\n;power_bank\n"
                     " PB-1001;toy\n".encode())
    code, _, err = _scan(run_cli, tmp_path, path, "--json", tmp_path / "r.json")
    assert code != 2
    said = [l for l in err.splitlines() if str(path) in l]
    assert said == [f"warning: {path}: line 3: spaces around SKU PB-1002 removed",
                    f"warning: {path}: line 6: row without a SKU skipped",
                    f"warning: {path}: line 7: SKU PB-1001 listed again (first on line 2); the first row is used"]
    import json
    warnings = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["warnings"]
    assert f"{path}: line 3: spaces around SKU PB-1002 removed" in warnings


def test_stray_spaces_in_a_workbook_and_in_russian(run_cli, tmp_path):
    path = workbook(tmp_path / "list.xlsx", {"Товары": [["Артикул", "Категория"], [" PB-1\u00a0", "power_bank"], [None, None]]})
    code, _, err = _scan(run_cli, tmp_path, path, "--lang", "ru", "--no-reports")
    assert code != 2 and f"{path}: строка 2: пробелы вокруг SKU PB-1 удалены" in err


def test_stray_spaces_on_many_lines_are_counted_after_the_first_ten():
    result = parse_sku_csv(("sku,category\n" + "".join(f" S-{i} ,toy\n" for i in range(13))).encode())
    assert [r.sku for r in result.rows] == [f"S-{i}" for i in range(13)]
    assert len(result.warnings) == 11 and "line 11: spaces around SKU S-9 removed" in result.warnings[9]
    assert result.warnings[10].endswith("spaces around the SKU removed on more lines, not listed one by one: 3")


def test_folders_map_to_skus_as_sellers_name_them():
    """With a list: a folder is the SKU exactly, else with case and outer spaces ignored. Without a
    list: each top-level folder is a SKU with its sub-folders ("PB-1001/scans/" is PB-1001's: the
    deepest folder pooled every SKU's scans into one SKU named "scans")."""
    from checker.mapping.assign import SkuMapper
    from checker.models import Group

    listed = SkuMapper(["PB-1001", "PB-1002", "pb-1003"])
    assert listed.assign(("pb-1001", "RU_certificate.pdf")) == (Group.SKU, "PB-1001")
    assert listed.assign((" PB-1002 ", "scans", "RU_certificate.pdf")) == (Group.SKU, "PB-1002")
    assert listed.assign(("PB-1003", "RU_certificate.pdf")) == (Group.SKU, "pb-1003")
    assert listed.assign(("PB-1004", "RU_certificate.pdf")) == (Group.UNMAPPED, None)
    unlisted = SkuMapper(None)
    assert unlisted.assign(("PB-1001", "scans", "RU_certificate.pdf")) == (Group.SKU, "PB-1001")
    assert unlisted.assign(("PB-1002", "scans", "RU_certificate.pdf")) == (Group.SKU, "PB-1002")
    assert unlisted.assign(("RU_certificate.pdf",)) == (Group.UNMAPPED, None)
    assert unlisted.assign(("PB-1001", "KYC", "passport.jpg")) == (Group.KYC, None)
