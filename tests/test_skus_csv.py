import pytest
from hypothesis import given, settings, strategies as st

from checker.report.output import csv_cell, csv_text, defuse_cell
from checker.mapping.skus import SkuFileError, parse_sku_csv


def test_russian_excel_export_cp1251_semicolon():
    data = "sku;category;Наименование\nPB-1;Внешние аккумуляторы;Аккумулятор 10000 мАч\n".encode("cp1251")
    result = parse_sku_csv(data)
    assert result.encoding == "cp1251" and result.delimiter == ";"
    assert result.rows[0].sku == "PB-1"
    assert result.rows[0].category == "Внешние аккумуляторы"
    assert result.rows[0].row["Наименование"] == "Аккумулятор 10000 мАч"


def test_utf8_bom_comma_with_stray_spaces_duplicates_and_empty_rows():
    data = "\ufeffSKU , Category,brand\n PB-1 , Power banks ,Acme\n,,\nPB-1,Toys,Dup\n,Toys,x\nTOY-2,,y\n".encode("utf-8")
    result = parse_sku_csv(data)
    assert [r.sku for r in result.rows] == ["PB-1", "TOY-2"]
    assert result.rows[0].category == "Power banks"
    assert result.rows[1].category == ""
    assert any("listed again" in w for w in result.warnings)
    assert any("without a SKU" in w for w in result.warnings)


def test_missing_sku_column_is_a_clear_error():
    with pytest.raises(SkuFileError, match="no 'sku' column"):
        parse_sku_csv(b"item,category\nA,Books\n")


def test_large_list_reads():
    rows = "".join(f"SKU-{i},Books\n" for i in range(100_000))
    result = parse_sku_csv(("sku,category\n" + rows).encode())
    assert len(result.rows) == 100_000


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_written_cell_can_start_a_formula(value):
    cell = defuse_cell(value)
    import re
    for line in re.split(r"\r\n|\n|\r", cell):
        stripped = line.lstrip(" ")
        if stripped[:1] in ("=", "+", "-", "@", "\t"):
            assert re.fullmatch(r"\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?\s*", line), repr(cell)
    assert not cell.startswith("\r")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(lambda s: s.strip()),
                          st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")))),
                min_size=1, max_size=5, unique_by=lambda r: csv_cell(r[0]).strip()))
def test_written_csv_reads_back(rows):
    """What doccheck writes (defused, invisible format characters shown escaped), doccheck (and so
    Excel's CSV import) reads back cell for cell."""
    text = csv_text(["sku", "category"], rows)
    parsed = parse_sku_csv(text.encode("utf-8"))
    assert [r.sku for r in parsed.rows] == [csv_cell(sku).strip() for sku, _ in rows]
    assert [r.category for r in parsed.rows] == [csv_cell(cat).strip() for _, cat in rows]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e)),
                 st.sampled_from([" =1+1", "=SUM(A1)", "-5", "+7 495", "@x", " a", "PB-1001", "x" * 40_000])))
def test_csv_cells_fast_path_writes_what_the_full_path_writes(value):
    """csv_cell's shortcut for printable ASCII is the same cell as escaping, defusing and capping."""
    from checker.names import safe_text
    from checker.report.output import cap_cell

    assert csv_cell(value) == cap_cell(defuse_cell(safe_text(value)))
