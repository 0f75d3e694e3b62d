"""The README is a landing page and docs/ holds the rest: every relative link in README.md and
the pages under docs/ leads to a file of the checkout, and a link with a #fragment to a heading of that file
(GitHub's anchor rules); the README stays short."""
import re
import sys
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
README_MAX_LINES = 260

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target); the text may hold `code` but no nested brackets
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose_lines(text: str):
    """(line number, line) of `text` outside fenced code blocks, 1-based."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its rendered text lower-cased, every character that is
    not a letter, mark, digit, underscore, hyphen or space dropped, spaces turned into hyphens."""
    text = INLINE_CODE.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)      # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)                            # inline HTML
    kept = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in "-_ " or cat[0] in "LMN":
            kept.append("-" if ch == " " else ch)
    return "".join(kept)


def anchors(page: Path) -> set[str]:
    """Every heading anchor of `page`, with GitHub's -1, -2 … suffixes for repeated headings."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        if slug in seen:
            seen[slug] += 1
            slug = f"{slug}-{seen[slug]}"
        else:
            seen[slug] = 0
        result.add(slug)
    return result


def relative_links(page: Path):
    """(line number, target) of every relative link of `page` outside code."""
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        line = INLINE_CODE.sub("", line)
        targets = [m.group(1) for m in LINK.finditer(line)]
        ref = REFERENCE.match(line)
        if ref:
            targets.append(ref.group(1))
        for target in targets:
            if not SCHEME.match(target):
                yield number, target


def broken_links(page: Path) -> list[str]:
    """Each relative link of `page` that leads nowhere, as 'page:line: target (why)'."""
    problems = []
    for number, target in relative_links(page):
        path_part, _, fragment = target.partition("#")
        goal = (page.parent / path_part).resolve() if path_part else page
        where = f"{page.relative_to(REPO)}:{number}: {target}"
        if not goal.exists():
            problems.append(f"{where} (no such file)")
        elif REPO not in goal.parents and goal != REPO:
            problems.append(f"{where} (outside the repository)")
        elif fragment and goal.suffix == ".md" and fragment.lower() not in anchors(goal):
            problems.append(f"{where} (no heading with that anchor)")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_every_docs_page_is_reachable_from_the_readme():
    """A page nobody links to is a page nobody finds: each page under docs/ is reached from the README,
    directly or through other pages."""
    reached, todo = set(), [(REPO / "README.md").resolve()]
    while todo:
        page = todo.pop()
        if page in reached or page.suffix != ".md" or not page.exists():
            continue
        reached.add(page)
        todo += [(page.parent / t.partition("#")[0]).resolve() for _, t in relative_links(page) if t.partition("#")[0]]
    assert [str(p.relative_to(REPO)) for p in PAGES[1:] if p.resolve() not in reached] == []


def test_readme_is_a_landing_page():
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_the_link_checker_sees_broken_links(tmp_path, monkeypatch):
    """The checker itself: a missing file, a missing anchor and a link inside code."""
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        "# Reading on a Dask cluster (`--scheduler`)\n## The gate: `--fail-on`, CI and pre-commit\n"
        "## Twice\n## Twice\n## Где ключ: `rules/kyc.yaml`\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md) [ok](docs/a.md#reading-on-a-dask-cluster---scheduler) "
        "[ok](docs/a.md#the-gate---fail-on-ci-and-pre-commit) [ok](docs/a.md#twice-1) "
        "[ok](docs/a.md#где-ключ-ruleskycyaml) [web](https://example.org/x.md)\n"
        "[gone](docs/b.md) [bad anchor](docs/a.md#twice-2)\n"
        "```\n[in code](docs/c.md)\n```\n`[inline](docs/d.md)`\n[ref]: docs/e.md\n", encoding="utf-8")
    assert broken_links(page) == [
        "README.md:2: docs/b.md (no such file)",
        "README.md:2: docs/a.md#twice-2 (no heading with that anchor)",
        "README.md:7: docs/e.md (no such file)",
    ]


def test_cluster_docs_show_the_recommended_worker_settings():
    """docs/cluster.md's start-up lines set every Dask setting checker.process.cluster.WORKER_CONFIG
    names (the benchmark and the cluster tests start their clusters with that dict), so what people
    are told to run is what was measured."""
    from checker.process.cluster import worker_environment

    page = (REPO / "docs" / "cluster.md").read_text(encoding="utf-8")
    missing = [f"{name}={value}" for name, value in worker_environment().items() if f"{name}={value}" not in page]
    assert missing == []
    assert worker_environment({"distributed.worker.profile.enabled": False}) == \
        {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
