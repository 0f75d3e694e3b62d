"""The incremental cache, in SQLite in the user's cache folder (never inside the scanned folder):

* facts: what reading a file cost (FileFacts), keyed by content hash plus the extractor's settings;
* text_analysis: what its text says (FileAnalysis: language, numbers, dates), one row per facts
  row, valid only for the digest of the rule files and analysing code it was made with, so a rules
  change takes effect at once (and replaces the row: the table never outgrows the facts);
* seen: (path, size, mtime) -> content hash, so an unchanged file is not even re-hashed;
* register: what the EAEU register answered per registration number (--register eaeu), with the
  time it was fetched; read back only while younger than --register-max-age. "Not checked" is never stored.

Verdicts are never cached: they are recomputed on every run. Two runs sharing the cache are fine
(WAL, busy time-out); a corrupt cache is moved aside and rebuilt, never fatal.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from .models import FileAnalysis, FileFacts, RegisterCheck

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    sha256 TEXT NOT NULL, extractor TEXT NOT NULL, data TEXT NOT NULL, stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor));
CREATE TABLE IF NOT EXISTS seen (
    path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (path));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS text_analysis (
    sha256 TEXT NOT NULL, extractor TEXT NOT NULL, analyser TEXT NOT NULL, data TEXT NOT NULL, stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor));
DROP TABLE IF EXISTS analysis;
CREATE TABLE IF NOT EXISTS register (
    number TEXT NOT NULL, data TEXT NOT NULL, fetched REAL NOT NULL, PRIMARY KEY (number));
"""


def _decode(row, model):
    """A stored JSON row as `model` (FileFacts, FileAnalysis), or None for a miss."""
    if not row:
        return None
    try:
        return model.from_dict(json.loads(row[0]))
    except (ValueError, TypeError, KeyError):
        return None   # an entry from an older model: treat as a miss


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("doccheck", appauthor=False))


class FactCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / "facts.sqlite3"
        self.warnings: list[str] = []
        self.db: sqlite3.Connection | None = None
        self._open()

    def _connect(self) -> sqlite3.Connection:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA synchronous=NORMAL")   # with WAL: never corrupt, a power cut may lose the last entries
        db.executescript(_SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            db.executescript("DELETE FROM facts; DELETE FROM seen; DELETE FROM text_analysis; DELETE FROM register;")
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
        db.execute("SELECT count(*) FROM facts").fetchone()
        return db

    def _open(self) -> None:
        try:
            self.db = self._connect()
        except sqlite3.DatabaseError as exc:
            # Corrupt or not a database: move it aside and start afresh.
            self.warnings.append(f"cache {self.path} was unusable ({exc}); rebuilt")
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.replace(f"{self.path}{suffix}", f"{self.path}{suffix}.corrupt-{int(time.time())}")
                except OSError:
                    pass
            try:
                self.db = self._connect()
            except (sqlite3.Error, OSError) as again:
                self.warnings.append(f"cache disabled: {again}")
                self.db = None
        except OSError as exc:
            self.warnings.append(f"cache disabled: cannot create {self.directory} ({exc.strerror})")
            self.db = None

    def _safely(self, action, default=None):
        if self.db is None:
            return default
        try:
            return action(self.db)
        except sqlite3.Error as exc:
            self.warnings.append(f"cache error ignored: {exc}")
            return default

    def lookup(self, path: str, size: int, mtime_ns: int, extractor: str) -> FileFacts | None:
        """The facts of a file unchanged since it was last read here (same path, size and mtime)."""
        row = self._safely(lambda db: db.execute(
            "SELECT f.data FROM seen s JOIN facts f ON f.sha256 = s.sha256 AND f.extractor = ? "
            "WHERE s.path = ? AND s.size = ? AND s.mtime_ns = ?", (extractor, path, size, mtime_ns)).fetchone())
        return _decode(row, FileFacts)

    def get(self, sha256: str, extractor: str) -> FileFacts | None:
        row = self._safely(lambda db: db.execute("SELECT data FROM facts WHERE sha256=? AND extractor=?",
                                                 (sha256, extractor)).fetchone())
        return _decode(row, FileFacts)

    def get_analysis(self, facts: FileFacts, analyser: str) -> FileAnalysis | None:
        if not facts.sha256:
            return None
        row = self._safely(lambda db: db.execute(
            "SELECT data FROM text_analysis WHERE sha256=? AND extractor=? AND analyser=?",
            (facts.sha256, facts.extractor, analyser)).fetchone())
        return _decode(row, FileAnalysis)

    def put_analyses(self, entries: list[tuple[FileFacts, FileAnalysis]], analyser: str) -> None:
        """One transaction for the batch: analysing is cheap, so losing it to an interruption is too."""
        rows = [(facts.sha256, facts.extractor, analyser, json.dumps(analysis.to_dict(), ensure_ascii=False), time.time())
                for facts, analysis in entries if facts.sha256]
        if not rows:
            return

        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO text_analysis VALUES (?, ?, ?, ?, ?)", rows)

        self._safely(write)

    def put(self, path: str, size: int, mtime_ns: int, facts: FileFacts) -> None:
        if not facts.sha256:
            return   # nothing was read (timed out, changed while reading): do not remember it
        data = json.dumps(facts.to_dict(), ensure_ascii=False)

        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)", (facts.sha256, facts.extractor, data, time.time()))
                db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", (path, size, mtime_ns, facts.sha256))

        self._safely(write)

    def get_register(self, number: str, max_age_s: float, now: float | None = None) -> RegisterCheck | None:
        """The register's answer for `number` fetched at most max_age_s seconds ago, else None."""
        since = (time.time() if now is None else now) - max_age_s
        row = self._safely(lambda db: db.execute("SELECT data FROM register WHERE number=? AND fetched>=?",
                                                 (number, since)).fetchone())
        return _decode(row, RegisterCheck)

    def put_register(self, checks: list[RegisterCheck]) -> None:
        """Stores answers (found / not_found); a "not_checked" one is never stored."""
        rows = [(c.number, json.dumps(c.to_dict(), ensure_ascii=False), c.fetched) for c in checks if c.state != "not_checked"]
        if not rows:
            return

        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO register VALUES (?, ?, ?)", rows)

        self._safely(write)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
