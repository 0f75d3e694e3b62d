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
