"""The command line's contract that the application layer keeps: exit statuses from one enum,
choices that come from the data (--lang from i18n.LANGS, --seller-type from the kyc.yaml of the
rules folder in use), and every scanning command built through one set-up."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from checker import i18n
from checker.codes import ExitCode
from checker.rules import default_rules_dir

CHECKER = Path(__file__).resolve().parent.parent / "checker"


def test_exit_codes_live_in_one_enum():
    assert [(c.name, int(c)) for c in ExitCode] == [
        ("OK", 0), ("SKU_DISABLED", 1), ("BAD_INPUT", 2), ("MISSING_DEPENDENCY", 3), ("INTERRUPTED", 130), ("TERMINATED", 143)]
    assert ExitCode.for_signal(2) is ExitCode.INTERRUPTED and ExitCode.for_signal(15) is ExitCode.TERMINATED


def _literal_exit_codes(path: Path) -> list[str]:
    """`sys.exit(2)`, `SystemExit(1)`, `exit_code = 2`, `return 130`, `128 + …`: a number where an ExitCode belongs."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        number = None
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("exit", "SystemExit"):
            number = node.args[0] if node.args else None
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", getattr(t, "attr", "")) == "exit_code" for t in node.targets):
            number = node.value
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and node.value.value in (130, 143):
            number = node.value
        elif isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant) and node.left.value == 128:
            number = node.left
        if isinstance(number, ast.Constant) and isinstance(number.value, int) and not isinstance(number.value, bool):
            found.append(f"{path.relative_to(CHECKER.parent)}:{node.lineno}")
    return found


def test_no_numeric_exit_code_outside_the_enum():
    found = [hit for path in sorted(CHECKER.rglob("*.py")) if path != CHECKER / "codes.py"   # the enum itself
             for hit in _literal_exit_codes(path)]
    assert not found, "exit codes written as numbers (use checker.codes.ExitCode): " + ", ".join(found)


def test_lang_choices_are_the_languages_of_the_messages(run_cli):
    for command in (["scan"], ["watch"], ["audit"], ["explain"], ["rules"], ["ozon", "products"]):
        code, out, _ = run_cli(*command, "--help")
        assert code == 0 and f"--lang [{'|'.join(i18n.LANGS)}]" in out, command
    code, _, err = run_cli("explain", "--lang", "de")
    assert code == ExitCode.BAD_INPUT and "'de' is not one of" in err


def test_seller_type_help_lists_the_profiles_and_aliases_of_kyc_yaml(run_cli):
    from checker.kyc.loader import KycRules

    kyc = KycRules.load(default_rules_dir() / "kyc.yaml")
    shown = " ".join(run_cli("scan", "--help")[1].split())
    for name, profile in kyc.profiles.items():
        assert name in shown
        for alias in profile.aliases:
            assert alias in shown, alias


def test_a_custom_rules_folders_own_profile_alias_is_accepted(run_cli, tmp_path):
    """--seller-type is checked against the kyc.yaml of --rules DIR, once those rules are loaded:
    an alias only DIR knows is accepted there, and refused (exit 2, the profiles listed) without it."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    kyc = rules / "kyc.yaml"
    text = kyc.read_text(encoding="utf-8")
    assert "aliases: [legal_entity," in text
    kyc.write_text(text.replace("aliases: [legal_entity,", "aliases: [agency_client,", 1), encoding="utf-8")
    batch = tmp_path / "batch"
    (batch / "PB-1").mkdir(parents=True)
    common = ["--no-ocr", "--no-reports", "--no-cache", "--today", "2026-11-26", "-q"]
    code, _, err = run_cli("scan", batch, "--rules", rules, "--seller-type", "Agency_Client", *common)
    assert code in (ExitCode.OK, ExitCode.SKU_DISABLED), err
    code, _, err = run_cli("scan", batch, "--seller-type", "agency_client", *common)
    assert code == ExitCode.BAD_INPUT
    assert "agency_client" in err and "individual" in err and "Traceback" not in err


def test_scan_watch_and_audit_share_one_scan_set_up():
    """No command builds the pipeline's ScanOptions by hand: only app/setup.py does."""
    builders = []
    for path in sorted(CHECKER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ScanOptions":
                builders.append(str(path.relative_to(CHECKER)))
    assert builders == ["app/setup.py"]
