"""The incremental cache, in SQLite in the user's cache folder (never inside the scanned folder):

* facts: what reading a file cost (FileFacts), keyed by content hash plus the facts key: the
  extractor's settings (OCR engine included) and the digest of the reading code
  (cache_keys.facts_key), so an edit to the reading code re-reads files by itself;
* text_analysis: what its text says (FileAnalysis: language, numbers, dates), one row per facts
  row, valid only for the digest of the rule files and analysing code it was made with
  (cache_keys.analysis_key), so a rules change takes effect at once (and replaces the row: the
  table never outgrows the facts). Neither key covers the report writers or the commands.
* seen: (path, size, mtime) -> content hash, so an unchanged file is not even re-hashed;
* register: what the EAEU register answered per registration number (--register eaeu), with the
  time it was fetched; read back only while younger than --register-max-age. "Not checked" is never stored.

Verdicts are never cached: they are recomputed on every run. Two runs sharing the cache are fine
(WAL, busy time-out); a corrupt cache is moved aside and rebuilt, never fatal.

What is kept at rest, and what is not (docs/hostile-input.md, "Personal data at rest"):
* the folder is 0700 and the database files 0600, whatever the umask;
* `seen` keys on a SHA-256 of the path's bytes, never the path: no file name (a KYC scan is often
  named after the passport it holds) is stored, and any bytes a name may hold are a valid key;
* the text of KYC-profile files (passports, visas, bank papers) is never stored: it is the personal
  data itself. What judging them needs is stored instead, in `kyc` (put_kyc): the paper's
  evidence (MRZ check results, expiry dates, markers found, bank control-digit results, masked
  numbers, holder data as keyed hashes: HMAC-SHA-256 under the holder key, a random key in this
  0700 folder, `holder.key`, 0600), its text analysis, and its facts with the text reduced to its
  shape (every character that is not white space replaced by "x", so the reports' page figures are
  the same). A warm scan judges the paper from that row without reading it; the row is valid for
  the rule files, code and holder key it was made with (the analyser key), else the file is read;
* the text of product papers is stored with personal numbers masked (privacy.mask_at_rest, done
  in the worker before the facts leave it, so a cached and a fresh read are the same text);
* deleted rows are overwritten (secure_delete), so an entry replaced or dropped leaves no copy.
A row whose JSON parses but whose fields have the wrong types (a foreign or tampered cache) is
treated as a miss, never handed to the writers. Facts and analysis rows are sealed when written:
their JSON, checked against the model's shape then, is stored behind a keyed BLAKE2b tag (a key
derived from `holder.key`), and a row whose tag matches is read back without walking its shape
again (a warm scan of 10,000 files reads 20,000 rows). A sealed row whose tag does not match
(altered since, moved to another row's key, or sealed by another cache) is a miss; an unsealed row (a
cache without a key, or a row put there by hand) is shape-checked. A new `holder.key` (the old one
lost or damaged) makes every sealed row a miss: the files are read again, once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import stat
import sys
import time
import types
import typing
from datetime import date
from enum import Enum
from pathlib import Path

from .cache_keys import facts_key
from .i18n import Said, is_data
from .models import DocumentNumber, FileAnalysis, FileFacts, PageText, RegisterCheck

SCHEMA_VERSION = 2          # 2: `seen` keyed by a hash of the path; KYC facts no longer stored
DB_MODE = 0o600
DIR_MODE = 0o700
_ERRORS = (sqlite3.Error, UnicodeError, OverflowError, ValueError)
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
CREATE TABLE IF NOT EXISTS kyc (
    sha256 TEXT NOT NULL, extractor TEXT NOT NULL, analyser TEXT NOT NULL, data TEXT NOT NULL, stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor));
"""
HOLDER_KEY_FILE = "holder.key"
HOLDER_KEY_BYTES = 32
_NOT_SPACE = re.compile(r"\S")


def _encodable(value: str) -> bool:
    """No lone surrogate in ``value`` (writers could not encode it): a strict UTF-8 encode, 18 us
    on a 20,000-character page where a regular-expression scan took 135 us."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _hints(model: type) -> dict[str, object]:
    return typing.get_type_hints(model)


def _conforms(value: object, hint: object) -> bool:
    """Does a JSON value have the shape a field's type annotation asks for (as to_dict writes it)?"""
    return _checker(hint)(value)


def _row_conforms(data: object, model: type) -> bool:
    """Is ``data`` a row of ``model`` (a dataclass): no unknown field, every field without a default
    present, every value of its field's shape?"""
    return _row_checker(model)(data)


@functools.cache
def _checker(hint: object) -> Callable[[object], bool]:
    """The test of :func:`_conforms` for one annotation, built once per annotation: a warm scan of
    1,000 files checks some 75,000 values, and walking the annotations each time cost 0.5 s."""
    if hint is typing.Any:
        return lambda value: True
    origin = typing.get_origin(hint)
    # Loops, not all()/any() over generators: a warm scan of 10,000 files checks a million values.
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if len(args) == 2 and type(None) in args:   # Optional[X]
            inner = _checker(args[0] if args[1] is type(None) else args[1])
            return lambda value: value is None or inner(value)
        parts = tuple(_checker(h) for h in args)

        def check_union(value: object) -> bool:
            for part in parts:
                if part(value):
                    return True
            return False
        return check_union
    if hint is type(None):
        return lambda value: value is None
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        item = _checker(item_hint)

        def check_list(value: object) -> bool:
            if type(value) is not list:
                return False
            for v in value:
                if not item(v):
                    return False
            return True
        return check_list
    if origin is dict:
        key_hint, item_hint = typing.get_args(hint)
        key, item = _checker(key_hint), _checker(item_hint)

        def check_dict(value: object) -> bool:
            if type(value) is not dict:
                return False
            for k, v in value.items():
                if not (key(k) and item(v)):
                    return False
            return True
        return check_dict
    if isinstance(hint, type) and issubclass(hint, Enum):
        values = frozenset(m.value for m in hint)
        return lambda value: isinstance(value, (str, int)) and value in values
    if hint is date:
        return lambda value: isinstance(value, str)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _row_checker(hint)
    if hint is bool:
        return lambda value: isinstance(value, bool)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return lambda value: isinstance(value, str) and _encodable(value)
    if hint is Said:   # a note as message id and arguments (checker.i18n.to_data)
        return lambda value: isinstance(value, dict) and is_data(value)
    return lambda value: False


@functools.cache
def _row_checker(model: type) -> Callable[[object], bool]:
    hints = _hints(model)
    fields = dataclasses.fields(model)
    names = frozenset(f.name for f in fields)
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    checks: dict[str, Callable[[object], bool]] = {}

    def conforms(data: object) -> bool:
        if not isinstance(data, dict) or not names.issuperset(data) or not required.issubset(data):
            return False
        if not checks:   # built on first use: a model's fields may name models resolved later
            checks.update((f.name, _checker(hints[f.name])) for f in fields)
        for name, value in data.items():
            if not checks[name](value):
                return False
        return True

    return conforms


for _model in (PageText, DocumentNumber):   # nested rows: resolved once, with their module's names
    _hints(_model)


def _decode(row, model, checked: bool = False):
    """A stored JSON row as `model` (FileFacts, FileAnalysis), or None for a miss: a row from an
    older model, or one whose fields have the wrong types (size as a string, page text null).
    ``checked``: the row's shape was checked when it was written and its seal matches (FactCache._open_row)."""
    if not row:
        return None
    try:
        data = json.loads(row[0])
        if not checked and not _row_conforms(data, model):
            return None
        return model.from_dict(data)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


SEAL_HEX = 32   # a sealed row: 32 hex digits of keyed BLAKE2b (16 bytes), ":", the JSON object
_SEALED = re.compile(rf"[0-9a-f]{{{SEAL_HEX}}}:\{{")   # an unsealed row starts with its JSON's "{"


def _split_seal(stored: object) -> tuple[str, str] | None:
    """(tag, JSON) of a sealed row; None for anything else (an unsealed row, a value of another type)."""
    if isinstance(stored, str) and _SEALED.match(stored):
        return stored[:SEAL_HEX], stored[SEAL_HEX + 1:]
    return None


def row_json(stored: str) -> str:
    """The JSON of a stored facts or analysis row, its seal (if any) dropped: for tools and tests
    that read the database itself. The seal is not checked here (FactCache does that)."""
    sealed = _split_seal(stored)
    return sealed[1] if sealed else stored


def _rules_memo(analyser: str) -> str:
    """The meta key saying rules ``analyser`` loaded here: with Python's version, whose ``re``
    compiles the patterns (one cache folder may serve two interpreters)."""
    return f"rules:{analyser}:py{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"


def rules_loaded_before(directory: Path, analyser: str) -> bool:
    """Did a scan with the cache in ``directory`` load the rule files and analysing code that
    ``analyser`` (cache_keys.analysis_key) names, without error (FactCache.remember_rules)? Read
    only; False when there is no cache yet or it cannot be read."""
    path = Path(directory) / "facts.sqlite3"
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT 1 FROM meta WHERE key = ?", (_rules_memo(analyser),)).fetchone() is not None
        finally:
            db.close()
    except sqlite3.Error:
        return False


# The columns a sealed row's seal covers besides its JSON, those that say what the row is for
# (facts: content hash and facts key; text_analysis: the same and the analysis key).
_ROW_KEYS: dict[type, tuple[str, ...]] = {FileFacts: ("sha256", "extractor"), FileAnalysis: ("sha256", "extractor", "analyser")}


def path_key(path: str) -> str:
    """The `seen` key of a path: SHA-256 of its bytes (any name, decodable or not; none stored)."""
    return hashlib.sha256(os.fsencode(path)).hexdigest()


def _private_dir(directory: Path) -> None:
    """Create the cache folder 0700 (whatever the umask); an existing one of ours is made 0700 too,
    unless it is a shared sticky folder such as /tmp (its files are still 0600)."""
    directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    st = directory.stat()
    if st.st_uid == os.getuid() and not st.st_mode & stat.S_ISVTX and stat.S_IMODE(st.st_mode) != DIR_MODE:
        os.chmod(directory, DIR_MODE)


def _private_file(path: Path) -> None:
    """Create (or fix) a database file as 0600 before SQLite opens it: SQLite creates its -wal and
    -shm files with the database's own mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), DB_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != DB_MODE:
            os.fchmod(fd, DB_MODE)
    finally:
        os.close(fd)


def storable(facts: FileFacts) -> bool:
    """May these facts be kept at rest as read? Not those of a KYC-profile file: those are kept as
    evidence, without their text (put_kyc; see the module docstring)."""
    return "profile=kyc" not in facts.extractor


def shape_only(facts: FileFacts) -> FileFacts:
    """The facts with each page's text reduced to its shape: every character that is not white
    space becomes "x" (lengths, lines and "has text" stay as read; no word of it is left)."""
    pages = [dataclasses.replace(p, text=_NOT_SPACE.sub("x", p.text)) for p in facts.pages]
    return dataclasses.replace(facts, pages=pages)


@dataclasses.dataclass(frozen=True)
class KycEntry:
    """A KYC paper as the cache keeps it (FactCache.put_kyc): facts with the text reduced to its
    shape (shape_only), the text analysis, and the evidence as stored (the JSON of
    checker.kyc.KycEvidence.to_cache, None when the paper had no text; the pipeline decodes it, so
    the cache, which is reading code, does not depend on the KYC judging code), made with the
    holder key of the cache it came from."""
    facts: FileFacts
    analysis: FileAnalysis
    evidence: typing.Any   # stored JSON from the cache; KycEvidence once the pipeline decoded it


def default_cache_dir() -> Path:
    """doccheck's folder in the user's cache folder (platformdirs.user_cache_dir: ~/.cache/doccheck on
    Linux, or under $XDG_CACHE_HOME); not created here."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("doccheck", appauthor=False))


class FactCache:
    """The cache in ``directory`` (made 0700 when missing). Facts are stored and found under
    ``cache_keys.facts_key(facts.extractor, reading)``; ``reading`` is the reading code's digest
    (None: this checkout's, cache_keys.reading_digest). Never raises for a broken cache: problems
    become ``warnings`` and the cache a no-op."""

    def __init__(self, directory: Path, reading: str | None = None):
        self.reading = reading
        self.directory = Path(directory)
        self.path = self.directory / "facts.sqlite3"
        self.warnings: list[str] = []
        self.db: sqlite3.Connection | None = None
        self._open()
        self.holder_key: bytes | None = self._holder_key() if self.db is not None else None
        # The key of the rows' seals, derived from the holder key (one secret file, two uses that
        # cannot be confused); None: rows are stored unsealed and shape-checked when read.
        self._seal_key = (hmac.new(self.holder_key, b"doccheck row seal", "sha256").digest()
                          if self.holder_key is not None else None)

    def _holder_key(self) -> bytes | None:
        """The key of the holder hashes in cached KYC evidence (mrz.identity_key): 32 random bytes
        in `holder.key` (0600), made once. None (the process's own key, and no KYC row is
        stored) when the file cannot be made or read."""
        path = self.directory / HOLDER_KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), DB_MODE)
        except FileExistsError:
            try:
                key = path.read_bytes()
            except OSError as exc:
                self.warnings.append(f"cache: cannot read {path} ({exc.strerror}); KYC papers are read afresh")
                return None
            if len(key) == HOLDER_KEY_BYTES:
                return key
            # Damaged (or half written by a run killed at once): a new key; rows made with the old one
            # no longer match (their analyser key names the key they were made with).
            key = secrets.token_bytes(HOLDER_KEY_BYTES)
            try:
                tmp = path.with_name(f"{HOLDER_KEY_FILE}.{os.getpid()}")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), DB_MODE)
                with os.fdopen(fd, "wb") as out:
                    out.write(key)
                os.replace(tmp, path)
            except OSError:
                return None
            return key
        except OSError as exc:
            self.warnings.append(f"cache: cannot create {path} ({exc.strerror}); KYC papers are read afresh")
            return None
        key = secrets.token_bytes(HOLDER_KEY_BYTES)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        return key

    def _kyc_analyser(self, analyser: str) -> str:
        """A KYC row's analyser key: the analysis key and which holder key made its hashes."""
        assert self.holder_key is not None
        return f"{analyser}:{hashlib.sha256(self.holder_key).hexdigest()[:16]}"

    def _connect(self) -> sqlite3.Connection:
        _private_dir(self.directory)
        _private_file(self.path)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA secure_delete=ON")   # a replaced or dropped entry leaves no copy in free pages
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA synchronous=NORMAL")   # with WAL: never corrupt, a power cut may lose the last entries
        db.execute("PRAGMA temp_store=MEMORY")    # the look-up tables of a warm scan (FactCache._many): 0.26 -> 0.03 s for 10,000 keys
        db.executescript(_SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            db.executescript("DELETE FROM facts; DELETE FROM seen; DELETE FROM text_analysis; DELETE FROM register; DELETE FROM kyc;")
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
            db.execute("VACUUM")   # an older cache held names and KYC text in clear: rewrite the file without them
        db.execute("SELECT count(*) FROM facts").fetchone()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(f"{self.path}{suffix}"):
                os.chmod(f"{self.path}{suffix}", DB_MODE)
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
        except _ERRORS as exc:
            self.warnings.append(f"cache error ignored: {type(exc).__name__}: {str(exc)[:200]}")
            return default

    def lookup(self, path: str, size: int, mtime_ns: int, extractor: str) -> FileFacts | None:
        """The facts of a file unchanged since it was last read here (same path, size and mtime)."""
        return self.lookup_many([(path, size, mtime_ns, extractor)]).get(0)

    def lookup_many(self, files: list[tuple[str, int, int, str]]) -> dict[int, FileFacts]:
        """``lookup`` for many files in one query: ``files`` as (path, size, mtime_ns, extractor);
        the facts found, by index into ``files`` (a miss or a row of the wrong shape is left out).
        A warm scan of 10,000 files asks SQLite once, not 10,000 times."""
        keys = {extractor: self._key(extractor) for extractor in {f[3] for f in files}}   # a few settings, not one per file
        wanted = [(i, path_key(path), size, mtime_ns, keys[extractor])
                  for i, (path, size, mtime_ns, extractor) in enumerate(files)]
        return self._many(FileFacts, "path TEXT, size INTEGER, mtime_ns INTEGER, extractor TEXT", wanted,
                          "JOIN seen s ON s.path = w.path AND s.size = w.size AND s.mtime_ns = w.mtime_ns "
                          "JOIN facts f ON f.sha256 = s.sha256 AND f.extractor = w.extractor", "f")

    def _many(self, model: type, columns: str, wanted: list[tuple], join: str, table: str, params: tuple = ()) -> dict:
        """Rows of ``model`` for many keys at once: ``wanted`` (index first, then ``columns``) put in a
        temporary table ``w`` and joined (``join``) to the stored rows (alias ``table``); the decoded
        rows by index. The temporary table lives in this connection only and is dropped after."""
        if not wanted:
            return {}

        key_columns = ", ".join(f"{table}.{c}" for c in _ROW_KEYS[model])

        def query(db: sqlite3.Connection) -> list[tuple]:
            db.execute("DROP TABLE IF EXISTS temp.w")
            db.execute(f"CREATE TEMP TABLE w (i INTEGER PRIMARY KEY, {columns})")
            db.executemany(f"INSERT INTO w VALUES ({', '.join('?' * len(wanted[0]))})", wanted)
            rows = db.execute(f"SELECT w.i, {table}.data, {key_columns} FROM w {join}", params).fetchall()
            db.execute("DROP TABLE temp.w")
            return rows

        found: dict[int, object] = {}
        for i, data, *key in self._safely(query, []):
            row = self._open_row(data, model, key)
            if row is not None:
                found[i] = row
        return found

    def _tag(self, data: str, model: type, key) -> str:
        """The seal of a ``model`` row stored under ``key`` (its primary key's values): a row
        moved to another key (another file's content, other settings or rules) no longer matches."""
        assert self._seal_key is not None
        where = "\0".join([model.__name__, *map(str, key)])
        return hashlib.blake2b(f"{where}\0{data}".encode("utf-8", "surrogatepass"), key=self._seal_key,
                               digest_size=SEAL_HEX // 2).hexdigest()

    def _sealed(self, value: dict, model: type, key) -> str:
        """``value`` (a ``model`` row's to_dict(), to be stored under ``key``) as stored: its JSON,
        behind this cache's seal when it has the model's shape (every row written by this code has;
        checked here, once, so a sealed row need not be checked when read)."""
        data = json.dumps(value, ensure_ascii=False)
        if self._seal_key is None or not _row_conforms(value, model):
            return data
        return f"{self._tag(data, model, key)}:{data}"

    def _open_row(self, stored: object, model: type, key):
        """A stored row as ``model``, or None for a miss: a sealed row whose seal matches its JSON
        and ``key`` (the row's primary key's values) is decoded as written, one whose seal does
        not is a miss, an unsealed row is shape-checked first."""
        sealed = _split_seal(stored)
        if sealed is None:
            return _decode((stored,), model)
        tag, data = sealed
        if self._seal_key is None or not hmac.compare_digest(tag, self._tag(data, model, key)):
            return None
        return _decode((data,), model, checked=True)

    def get(self, sha256: str, extractor: str) -> FileFacts | None:
        """The facts of content ``sha256`` read with settings ``extractor`` by this reading code, or None."""
        key = (sha256, self._key(extractor))
        row = self._safely(lambda db: db.execute("SELECT data FROM facts WHERE sha256=? AND extractor=?", key).fetchone())
        return self._open_row(row[0], FileFacts, key) if row else None

    def _key(self, extractor: str) -> str:
        """The facts key of settings ``extractor`` (the ``extractor`` column of facts and text_analysis)."""
        return facts_key(extractor, self.reading)

    def get_analysis(self, facts: FileFacts, analyser: str) -> FileAnalysis | None:
        """The stored text analysis of ``facts`` made by rules and code ``analyser``, or None."""
        return self.get_analyses([facts], analyser).get(0)

    def get_analyses(self, facts: list[FileFacts], analyser: str) -> dict[int, FileAnalysis]:
        """``get_analysis`` for many files' facts in one query; the analyses found, by index into
        ``facts`` (a miss or a row of the wrong shape is left out)."""
        keys = {extractor: self._key(extractor) for extractor in {f.extractor for f in facts}}
        return self._many(FileAnalysis, "sha256 TEXT, extractor TEXT",
                          [(i, f.sha256, keys[f.extractor]) for i, f in enumerate(facts) if f.sha256],
                          "JOIN text_analysis a ON a.sha256 = w.sha256 AND a.extractor = w.extractor AND a.analyser = ?",
                          "a", (analyser,))

    def _write(self, statements: list[tuple[str, list[tuple]]]) -> None:
        """Each (SQL, rows) pair executed for all its rows, in one immediate transaction: all of it
        is stored or none. Failures are handled as every cache access is (_safely)."""
        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                for sql, rows in statements:
                    db.executemany(sql, rows)

        self._safely(write)

    def put_analyses(self, entries: list[tuple[FileFacts, FileAnalysis]], analyser: str) -> None:
        """One transaction for the batch: analysing is cheap, so losing it to an interruption is too."""
        rows = []
        for facts, analysis in entries:
            if facts.sha256 and storable(facts):
                key = (facts.sha256, self._key(facts.extractor), analyser)
                rows.append((*key, self._sealed(analysis.to_dict(), FileAnalysis, key), time.time()))
        if not rows:
            return
        self._write([("INSERT OR REPLACE INTO text_analysis VALUES (?, ?, ?, ?, ?)", rows)])

    def remember_rules(self, analyser: str) -> None:
        """Record that rule files and analysing code ``analyser`` loaded without error here
        (rules_loaded_before). Written once: a scan that finds the record there writes nothing."""
        key = _rules_memo(analyser)
        known = self._safely(lambda db: db.execute("SELECT 1 FROM meta WHERE key = ?", (key,)).fetchone() is not None)
        if not known:
            self._write([("INSERT OR IGNORE INTO meta VALUES (?, '')", [(key,)])])

    def put(self, path: str, size: int, mtime_ns: int, facts: FileFacts) -> None:
        """Store ``facts`` under their content hash and facts key, and remember that ``path`` (with
        this size and mtime) holds that content. Facts of KYC papers, of unread files and with a page
        whose OCR timed out (FileFacts.transient) are not stored."""
        if not facts.sha256 or not storable(facts) or facts.transient:
            return   # nothing was read (timed out, changed while reading), a page's OCR timed out, or a KYC paper: do not remember it
        key = (facts.sha256, self._key(facts.extractor))
        try:
            data = self._sealed(facts.to_dict(), FileFacts, key)
        except _ERRORS:
            return
        self._write([("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)", [(*key, data, time.time())]),
                     ("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", [(path_key(path), size, mtime_ns, facts.sha256)])])

    def lookup_kyc(self, path: str, size: int, mtime_ns: int, extractor: str, analyser: str) -> KycEntry | None:
        """A KYC paper unchanged since it was last judged here (same path, size and mtime), with
        the same extractor settings, rules, code (analyser: judging.file.analysis_key) and holder
        key; None for a miss. A row of the wrong shape is a miss."""
        if self.holder_key is None:
            return None
        return self._kyc_entry(lambda db: db.execute(
            "SELECT k.data FROM seen s JOIN kyc k ON k.sha256 = s.sha256 AND k.extractor = ? AND k.analyser = ? "
            "WHERE s.path = ? AND s.size = ? AND s.mtime_ns = ?",
            (extractor, self._kyc_analyser(analyser), path_key(path), size, mtime_ns)).fetchone())

    def get_kyc(self, sha256: str, extractor: str, analyser: str) -> KycEntry | None:
        """A KYC paper by content hash (a file touched, copied or moved since it was judged here):
        as lookup_kyc(), keyed by the bytes instead of the path."""
        if self.holder_key is None:
            return None
        return self._kyc_entry(lambda db: db.execute(
            "SELECT data FROM kyc WHERE sha256 = ? AND extractor = ? AND analyser = ?",
            (sha256, extractor, self._kyc_analyser(analyser))).fetchone())

    def has_kyc(self) -> bool:
        """Does the cache keep any KYC paper (worth hashing a KYC file to look it up)?"""
        return bool(self._safely(lambda db: db.execute("SELECT 1 FROM kyc LIMIT 1").fetchone()))

    def remember_path(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        """Record that `path` (as it is now) holds the bytes hashing to sha256."""
        self._write([("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", [(path_key(path), size, mtime_ns, sha256)])])

    def _kyc_entry(self, query) -> KycEntry | None:
        row = self._safely(query)
        if not row:
            return None
        try:
            data = json.loads(row[0])
            if not (isinstance(data, dict) and _row_conforms(data.get("facts"), FileFacts)
                    and _row_conforms(data.get("analysis"), FileAnalysis)):
                return None
            evidence = data.get("evidence")
            if evidence is not None and not isinstance(evidence, dict):
                return None
            return KycEntry(FileFacts.from_dict(data["facts"]), FileAnalysis.from_dict(data["analysis"]), evidence)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None

    def put_kyc(self, entries: list[tuple[str, int, int, FileFacts, FileAnalysis, typing.Any]], analyser: str) -> None:
        """Store KYC papers as judged: (path, size, mtime_ns, facts, text analysis, evidence or
        None) each, evidence made with this cache's holder_key. Kept: the facts reduced to their
        shape (shape_only), the analysis, evidence.to_cache(); never the text. One transaction."""
        if self.holder_key is None:
            return
        kyc_rows, seen_rows = [], []
        for path, size, mtime_ns, facts, analysis, evidence in entries:
            if not facts.sha256 or facts.transient:
                continue    # nothing read, or a page's OCR timed out: read it again next time
            try:
                data = json.dumps({"facts": shape_only(facts).to_dict(), "analysis": analysis.to_dict(),
                                   "evidence": evidence.to_cache() if evidence is not None else None}, ensure_ascii=False)
            except _ERRORS:
                continue
            kyc_rows.append((facts.sha256, facts.extractor, self._kyc_analyser(analyser), data, time.time()))
            seen_rows.append((path_key(path), size, mtime_ns, facts.sha256))
        if kyc_rows:
            self._write([("INSERT OR REPLACE INTO kyc VALUES (?, ?, ?, ?, ?)", kyc_rows),
                         ("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", seen_rows)])

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
        self._write([("INSERT OR REPLACE INTO register VALUES (?, ?, ?)", rows)])

    def close(self) -> None:
        """Closes the database; every later call is a no-op that finds nothing. Safe to call twice."""
        if self.db is not None:
            self.db.close()
            self.db = None
