import os

from checker.reading.discover import discover
from checker.mapping.assign import SkuMapper
from checker.models import Group
from checker.names import display_name
from checker.rules import load_rules

RULES = load_rules()


def _tree(root, files):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _scan(root):
    return discover(root, RULES.debris_files, RULES.debris_dirs)


def test_debris_is_skipped_and_named(tmp_path):
    _tree(tmp_path, {"PB-1/RU_cert.pdf": b"%PDF", "PB-1/.DS_Store": b"x", "PB-1/Thumbs.db": b"x",
                     "PB-1/~$draft.docx": b"x", "PB-1/RU_manual.pdf.part": b"x", "__MACOSX/PB-1/._RU_cert.pdf": b"x",
                     "PB-1/.~lock.RU_a.odt#": b"x", "PB-1/file.crdownload": b"x"})
    found, skipped = _scan(tmp_path)
    assert [f.relpath for f in found] == ["PB-1/RU_cert.pdf"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["__MACOSX"] == "sync/OS debris folder"
    assert reasons["PB-1/.DS_Store"] == "sync/OS debris"
    assert len(skipped) == 7


def test_links_out_of_the_folder_and_loops_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"%PDF secret")
    os.mkfifo(outside / "fifo")
    root = tmp_path / "root"
    _tree(root, {"A/RU_a.pdf": b"%PDF a"})
    (root / "A" / "escape.pdf").symlink_to(outside / "secret.pdf")
    (root / "A" / "pipe").symlink_to(outside / "fifo")
    (root / "A" / "up").symlink_to(root)            # a loop
    (root / "A" / "again.pdf").symlink_to(root / "A" / "RU_a.pdf")   # inside: allowed
    os.mkfifo(root / "A" / "local_fifo")
    found, skipped = _scan(root)
    assert sorted(f.relpath for f in found) == ["A/RU_a.pdf", "A/again.pdf"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["A/escape.pdf"] == "link pointing outside the scanned folder"
    assert reasons["A/pipe"] == "link pointing outside the scanned folder"
    assert "already scanned" in reasons["A/up"]
    assert reasons["A/local_fifo"].startswith("not a regular file")


def test_undecodable_and_control_character_names_print_safely(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/RU_\xff\xfe_cert\n=cmd.pdf"
    with open(raw, "wb") as handle:
        handle.write(b"%PDF")
    found, _ = _scan(tmp_path)
    assert found[0].relpath == "RU_\\xff\\xfe_cert\\n=cmd.pdf"
    found[0].relpath.encode("utf-8")  # printable, encodable
    assert display_name("ok.pdf") == "ok.pdf"


def test_mapping_by_folder_token_and_kyc():
    mapper = SkuMapper(["PB-1005", "PB-1005-XL", "TOY-7"])
    assert mapper.assign(("batch", "PB-1005", "RU_cert.pdf")) == (Group.SKU, "PB-1005")
    assert mapper.assign(("loose", "RU_PB-1005_manual.pdf")) == (Group.SKU, "PB-1005")
    assert mapper.assign(("loose", "RU_PB-1005-XL_manual.pdf")) == (Group.SKU, "PB-1005-XL")
    assert mapper.assign(("loose", "RU_PB-10050_manual.pdf")) == (Group.UNMAPPED, None)
    assert mapper.assign(("Kyc", "passport.jpg")) == (Group.KYC, None)
    assert mapper.assign(("readme.txt",)) == (Group.UNMAPPED, None)
    folders_only = SkuMapper(None)
    assert folders_only.assign(("X-1", "RU_a.pdf")) == (Group.SKU, "X-1")
    assert folders_only.assign(("top.pdf",)) == (Group.UNMAPPED, None)
