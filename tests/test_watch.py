"""doccheck watch: real file events in a temporary folder, the real command in a subprocess.

A file copied in slowly is judged once, when complete; sync debris and download temp names are
ignored; a SKU folder renamed or deleted is followed; only the changed file is read again; the
reports are rewritten; Ctrl-C (SIGINT) and SIGTERM stop it cleanly. Every wait is on a condition
with a time-out, never a blind sleep, so a loaded machine only makes the tests slower.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from checker.commands.watch import watcher as watch_module   # the module whose names the Watcher looks up
from checker.commands.watch import PathFilter, Watcher, change_lines, filesystem_type, needs_polling
from conftest import SAMPLES

TODAY = "2026-11-26"
CERT = SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf"
MANUAL = SAMPLES / "company" / "PB-1001" / "RU_PB-1001_manual.pdf"
CERT_1005 = SAMPLES / "company" / "PB-1005" / "RU_PB-1005_certificate.pdf"
SETTLE = 1.5        # the pauses of a slow copy below stay well under it, even on a loaded machine
PAUSE = 0.2


class WatchRun:
    """`doccheck watch …` in a subprocess, its stdout and stderr collected line by line."""

    def __init__(self, args, cwd: Path):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "checker", "watch", *map(str, args)], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.out: list[str] = []
        self.err: list[str] = []
        self.cond = threading.Condition()
        self.readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, lines):
        for line in stream:
            with self.cond:
                lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, what: str, predicate, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._pending():
                    raise AssertionError(f"timed out waiting for {what}\n--- stdout\n" + "\n".join(self.out)
                                         + "\n--- stderr\n" + "\n".join(self.err))
                self.cond.wait(min(left, 0.2))

    def _pending(self) -> bool:
        return any(r.is_alive() for r in self.readers)

    def rechecks(self) -> list[str]:
        return [line for line in self.err if "re-checked after" in line]

    def stop(self, sig=signal.SIGINT, timeout: float = 20.0) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def runs():
    started: list[WatchRun] = []
    yield started
    for run in started:
        run.kill()


def slow_copy(src: Path, dest: Path, chunks: int = 4, pause: float = PAUSE) -> None:
    """Write a file the way a slow sync does: part, pause, part…"""
    data = src.read_bytes()
    with open(dest, "wb") as handle:
        for i in range(chunks):
            handle.write(data[i * len(data) // chunks:(i + 1) * len(data) // chunks])
            handle.flush()
            os.fsync(handle.fileno())
            if i < chunks - 1:
                time.sleep(pause)


def report(out: Path) -> dict:
    # Written atomically: whenever it exists, it parses.
    return json.loads((out / "r.json").read_text(encoding="utf-8"))


def statuses(out: Path) -> dict[str, tuple[str, list[str]]]:
    return {s["sku"]: (s["chat_status"], s["codes"]) for s in report(out)["skus"]}


def test_watch_judges_a_slow_copy_once_and_follows_debris_renames_and_deletes(tmp_path, runs):
    papers, out = tmp_path / "papers", tmp_path / "out"
    (papers / "PB-1001").mkdir(parents=True)
    (papers / "PB-1005").mkdir()
    out.mkdir()
    shutil.copy(CERT, papers / "PB-1001" / CERT.name)
    shutil.copy(CERT_1005, papers / "PB-1005" / CERT_1005.name)
    skus = tmp_path / "skus.csv"
    skus.write_text("sku,category\nPB-1001,power_bank\nPB-1005,power_bank\nPB-1009,power_bank\n", encoding="utf-8")
    run = WatchRun(["papers", "--skus", skus, "--today", TODAY, "--no-ocr", "--lang", "en", "--jobs", "1",
                    "--cache-dir", tmp_path / "cache", "--settle", SETTLE, "--native",
                    "--out", out / "r.csv", "--json", out / "r.json", "--html", out / "r.html"], cwd=tmp_path)
    runs.append(run)
    run.wait_for("the first verdicts", lambda: any(line.startswith("Watching papers") for line in run.err))
    assert "inotify events" in run.err[-1]
    assert statuses(out)["PB-1001"] == ("disabled", ["no_ru_manual"])
    assert (out / "r.html").is_file() and (out / "r.csv").is_file()

    # 1. A manual copied in slowly: judged once, when complete, and only it is read.
    slow_copy(MANUAL, papers / "PB-1001" / MANUAL.name)
    run.wait_for("PB-1001 to turn ok", lambda: "PB-1001: disabled -> ok" in run.out and run.rechecks())
    assert len(run.rechecks()) == 1, run.err
    assert "re-checked after PB-1001/RU_PB-1001_manual.pdf: 1 file read, 2 from cache" in run.rechecks()[0]
    data = report(out)
    assert data["stats"]["files"] == 3 and data["stats"]["cache_hits"] == 2
    assert statuses(out)["PB-1001"] == ("ok", [])

    # 2. Sync debris is ignored; a download under a temp name counts once renamed to its real name.
    target = papers / "PB-1005"
    (target / "Thumbs.db").write_bytes(b"\0" * 64)
    (target / "~$manual.docx").write_bytes(b"owner")
    (target / ".DS_Store").write_bytes(b"\0" * 32)
    (target / ".syncthing.RU_PB-1005_manual.pdf.tmp").write_bytes(MANUAL.read_bytes()[:500])
    (target / ".stversions").mkdir()
    (target / ".stversions" / "RU_old.pdf").write_bytes(MANUAL.read_bytes())
    slow_copy(MANUAL, target / "RU_PB-1005_manual.pdf.part")
    os.rename(target / "RU_PB-1005_manual.pdf.part", target / "RU_PB-1005_manual.pdf")
    run.wait_for("PB-1005 to turn ok", lambda: "PB-1005: disabled -> ok" in run.out and len(run.rechecks()) >= 2)
    assert len(run.rechecks()) == 2, run.err
    # only the real name is a change (its bytes equal PB-1001's manual: a content-hash cache hit)
    assert "re-checked after PB-1005/RU_PB-1005_manual.pdf: 0 files read, 4 from cache" in run.rechecks()[1]

    # 3. A SKU folder renamed: its papers move to the other SKU.
    os.rename(papers / "PB-1001", papers / "PB-1009")
    run.wait_for("the rename", lambda: "PB-1009: disabled -> ok" in run.out and len(run.rechecks()) >= 3)
    assert "PB-1001: ok -> disabled (no_certificate, no_ru_manual)" in run.out
    assert len(run.rechecks()) == 3, run.err

    # 4. A SKU folder deleted.
    shutil.rmtree(papers / "PB-1009")
    run.wait_for("the deletion", lambda: "PB-1009: ok -> disabled (no_certificate, no_ru_manual)" in run.out)
    assert statuses(out)["PB-1009"] == ("disabled", ["no_certificate", "no_ru_manual"])

    # 5. The SKU list edited: re-read, and the new SKU judged.
    with open(skus, "a", encoding="utf-8") as handle:
        handle.write("PB-2000,power_bank\n")
    run.wait_for("the new SKU", lambda: "PB-2000: new -> disabled (no_certificate, no_ru_manual)" in run.out
                 and len(run.rechecks()) >= 5)

    # 6. Ctrl-C: a clean stop, with the last verdict's exit status (some SKUs are disabled: 1).
    assert run.stop(signal.SIGINT) == 1
    assert any("stopped watching" in line for line in run.err)
    assert not any("Traceback" in line for line in run.out + run.err)
    changes = [line for line in run.out if " -> " in line]
    assert changes == ["PB-1001: disabled -> ok", "PB-1005: disabled -> ok",
                       "PB-1001: ok -> disabled (no_certificate, no_ru_manual)", "PB-1009: disabled -> ok",
                       "PB-1009: ok -> disabled (no_certificate, no_ru_manual)",
                       "PB-2000: new -> disabled (no_certificate, no_ru_manual)"]
    assert len(run.rechecks()) == 5, run.err
    assert "re-checked after SKU list skus.csv" in run.rechecks()[4]
    # nothing was ever written into the watched folder
    left = sorted(str(p.relative_to(papers)) for p in papers.rglob("*"))
    assert left == ["PB-1005", "PB-1005/.DS_Store", "PB-1005/.stversions", "PB-1005/.stversions/RU_old.pdf",
                    "PB-1005/.syncthing.RU_PB-1005_manual.pdf.tmp", "PB-1005/RU_PB-1005_certificate.pdf",
                    "PB-1005/RU_PB-1005_manual.pdf", "PB-1005/Thumbs.db", "PB-1005/~$manual.docx"]


def test_polling_mode_sees_new_and_deleted_sku_folders(tmp_path, runs):
    """Polling (network and FUSE drives): a whole SKU folder dropped in, another deleted; no SKU list,
    so each folder is a SKU and a deleted one is reported removed. SIGTERM stops it cleanly."""
    papers, out, staging = tmp_path / "papers", tmp_path / "out", tmp_path / "staging"
    for folder in (papers / "A-1", staging / "B-2", out):
        folder.mkdir(parents=True)
    shutil.copy(CERT, papers / "A-1" / "RU_certificate.pdf")
    shutil.copy(CERT, staging / "B-2" / "RU_certificate.pdf")
    shutil.copy(MANUAL, staging / "B-2" / "RU_manual.pdf")
    run = WatchRun(["papers", "--today", TODAY, "--no-ocr", "--lang", "en", "--jobs", "1", "--cache-dir", tmp_path / "cache",
                    "--settle", "0.6", "--polling", "--poll-interval", "0.3",
                    "--out", out / "r.csv", "--json", out / "r.json"], cwd=tmp_path)
    runs.append(run)
    run.wait_for("the first verdicts", lambda: any(line.startswith("Watching papers") for line in run.err))
    assert "polling every 0.3 s (--polling)" in run.err[-1]
    shutil.copytree(staging / "B-2", papers / "B-2")
    run.wait_for("the new SKU", lambda: "B-2: new -> at_risk (unknown_category)" in run.out)
    shutil.rmtree(papers / "A-1")
    run.wait_for("the removed SKU", lambda: "A-1: at_risk -> removed" in run.out)
    assert list(statuses(out)) == ["B-2"]
    assert run.stop(signal.SIGTERM) == 0          # no SKU disabled
    assert any("stopped watching" in line for line in run.err)
    assert not any("Traceback" in line for line in run.out + run.err)


def test_watch_refuses_reports_inside_the_folder(tmp_path, run_cli):
    (tmp_path / "papers").mkdir()
    code, _, err = run_cli("watch", tmp_path / "papers", "--no-ocr", "--out", tmp_path / "papers" / "r.csv")
    assert code == 2 and "inside the scanned folder" in err


# --- the parts, without processes ----------------------------------------------------------------

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/share nfs4 rw,relatime 0 0
//nas/docs /mnt/my\\040drive cifs rw 0 0
gdrive: /mnt/gdrive fuse.rclone rw,nosuid 0 0
/dev/sdb1 /mnt/usb fuseblk rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_filesystem_type_picks_the_longest_mount_and_polling_for_network_and_fuse(tmp_path):
    assert filesystem_type("/mnt/share/client-a/PB-1", MOUNTS) == "nfs4"
    assert filesystem_type("/mnt/my drive/x", MOUNTS) == "cifs"
    assert filesystem_type("/mnt/gdrive", MOUNTS) == "fuse.rclone"
    assert filesystem_type("/home/agency", MOUNTS) == "ext4"
    assert filesystem_type("/mnt/shared", MOUNTS) == "ext4"          # not under /mnt/share
    for fs in ("nfs", "nfs4", "cifs", "smb3", "9p", "fuse.rclone", "fuse.sshfs", "fuse", "virtiofs"):
        assert needs_polling(fs), fs
    for fs in ("ext4", "xfs", "btrfs", "tmpfs", "overlay", "fuseblk", None):
        assert not needs_polling(fs), fs
    assert filesystem_type(tmp_path) is not None                      # this machine's /proc/mounts


def test_debris_and_download_temp_names_are_ignored(rules, tmp_path):
    f = PathFilter(str(tmp_path), rules.debris_files, rules.debris_dirs)
    for name in ("RU_manual.pdf.part", "RU_cert.pdf.crdownload", "~$draft.docx", ".DS_Store", "Thumbs.db",
                 ".dropbox", ".dropbox.attr", ".syncthing.RU_x.pdf.tmp", "~syncthing~RU_x.pdf.tmp", ".tmp.driveupload",
                 "RU_x.pdf.partial", ".~lock.RU_x.odt#"):
        assert f.ignored(str(tmp_path / "PB-1" / name), False), name
    assert f.ignored(str(tmp_path / ".stversions" / "RU_x.pdf"), False)
    assert f.ignored(str(tmp_path / "PB-1" / "__MACOSX"), True)
    assert f.ignored(str(tmp_path.parent / "elsewhere.pdf"), False)
    assert not f.ignored(str(tmp_path / "PB-1" / "RU_manual.pdf"), False)
    assert not f.ignored(str(tmp_path / "PB-1"), True)


def test_change_lines():
    before = {"PB-1": ("ok", ()), "PB-2": ("disabled", ("no_certificate",)), "PB-3": ("at_risk", ("unknown_category",))}
    after = {"PB-1": ("disabled", ("certificate_expired",)), "PB-2": ("disabled", ("no_certificate",)),
             "PB-4": ("ok", ())}
    assert change_lines(before, after) == ["PB-1: ok -> disabled (certificate_expired)", "PB-4: new -> ok",
                                           "PB-3: at_risk -> removed"]
    assert change_lines(after, after) == []


def _watcher(rules, folder: Path, **kwargs) -> Watcher:
    request = SimpleNamespace(options=SimpleNamespace(rules=rules, warnings=[]), outputs={}, quiet=True,
                              context=lambda result: None)
    return Watcher(folder, request, write=lambda *a: None, exit_code=lambda r: 0, echo=lambda *a, **k: None, **kwargs)


def test_a_file_counts_as_changed_only_once_stable_for_the_settle_time(rules, tmp_path):
    w = _watcher(rules, tmp_path, settle=2.0)
    path = tmp_path / "PB-1" / "RU_x.pdf"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.4 half")
    w.absorb([str(path.parent)], now=100.0)                 # a folder event: walked
    w.check_arriving(101.0)
    assert w.arriving and not w.changed
    with open(path, "ab") as handle:                        # it grows: the clock starts again
        handle.write(b" and the rest")
    w.check_arriving(101.5)
    w.check_arriving(103.0)
    assert not w.changed
    w.check_arriving(103.6)
    assert w.changed == {str(path)} and not w.arriving
    # Once known as scanned, an event that changes nothing (same size and time) is not a change.
    w.known = {str(path): watch_module.signature(str(path))}
    w.changed.clear()
    w.absorb([str(path)], now=200.0)
    w.check_arriving(203.0)
    assert not w.changed and not w.arriving
    # Gone: a change, at once.
    path.unlink()
    w.absorb([str(path)], now=300.0)
    assert w.changed == {str(path)}


def test_status_line_paths_mask_ids_in_kyc_file_names(rules, tmp_path):
    w = _watcher(rules, tmp_path)
    assert w.shown(str(tmp_path / "KYC" / "RU_passport_E12345678.jpg")) == "KYC/RU_passport_******678.jpg"
    assert w.shown(str(tmp_path / "kyc")) == "kyc"
    assert w.shown(str(tmp_path / "PB-1" / "RU_PB-1_certificate.pdf")) == "PB-1/RU_PB-1_certificate.pdf"


def test_native_events_unavailable_falls_back_to_polling(rules, tmp_path, monkeypatch):
    import watchdog.observers

    class Broken:
        def __init__(self, *a, **k):
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", Broken)
    w = _watcher(rules, tmp_path, polling=None, poll_interval=0.5)
    w.start_observer()
    try:
        assert w.mode == "polling every 0.5 s (native events unavailable: inotify watch limit reached)"
    finally:
        w.stop_observer()


def test_network_file_system_is_polled_automatically(rules, tmp_path, monkeypatch):
    monkeypatch.setattr(watch_module, "filesystem_type", lambda path: "fuse.rclone")
    w = _watcher(rules, tmp_path, polling=None, poll_interval=0.5)
    w.start_observer()
    try:
        assert w.mode == "polling every 0.5 s (fuse.rclone file system)"
    finally:
        w.stop_observer()


def test_watch_an_empty_folder_speaks_at_once_and_says_a_file_is_settling(tmp_path, runs):
    """An agency starts watching a sync folder before anything arrived: the first summary and
    'Watching…' come at once, and a file being copied in is announced while it settles."""
    papers, out = tmp_path / "papers", tmp_path / "out"
    papers.mkdir()
    out.mkdir()
    run = WatchRun(["papers", "--no-ocr", "--lang", "ru", "--jobs", "1", "--cache-dir", tmp_path / "cache",
                    "--settle", "5", "--native", "--json", out / "r.json"], cwd=tmp_path)
    runs.append(run)
    started = time.monotonic()
    run.wait_for("the first summary", lambda: any(line.startswith("Слежу за папкой papers") for line in run.err), timeout=20)
    assert time.monotonic() - started < 15
    assert report(out)["summary"]["skus"] == 0
    (papers / "PB-1001").mkdir()
    with open(papers / "PB-1001" / CERT.name, "wb") as handle:      # a copy under way: written, not yet settled
        handle.write(CERT.read_bytes()[:1000])
    run.wait_for("the settling line", lambda: any("жду, пока файлы перестанут меняться" in line and CERT.name in line
                                                    for line in run.err))
    assert run.stop() == 0


def test_watch_without_reports_says_so_rather_than_an_empty_list(tmp_path, runs):
    """`watch --no-reports`: the start line says no report is written, not "the reports ()"."""
    papers = tmp_path / "papers"
    (papers / "A-1").mkdir(parents=True)
    shutil.copy(CERT, papers / "A-1" / "RU_certificate.pdf")
    run = WatchRun(["papers", "--today", TODAY, "--no-ocr", "--lang", "en", "--jobs", "1", "--cache-dir", tmp_path / "cache",
                    "--settle", SETTLE, "--native", "--no-reports"], cwd=tmp_path)
    runs.append(run)
    run.wait_for("the first verdicts", lambda: any(line.startswith("Watching papers") for line in run.err))
    line = next(line for line in run.err if line.startswith("Watching papers"))
    assert "--no-reports: no report is written" in line and "()" not in line, line
    assert run.stop(signal.SIGTERM) in (0, 1)
