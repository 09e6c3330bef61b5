"""Benchmark results stay findable: each JSON in `benchmarks/results/` is cited next to the
figure it backs (README.md, models/MODEL_CARD.md) and listed in `benchmarks/results/README.md`,
and each results file the README cites exists. Earlier runs live in git history, cited as
"commit abc1234, `benchmarks/results/<file>` there"; those are looked up in git where the
checkout has its history.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CITING_DOCUMENTS = (ROOT / "README.md", ROOT / "models" / "MODEL_CARD.md")
RESULTS_README = RESULTS / "README.md"

CITED = re.compile(r"benchmarks/results/([\w.-]+\.json)")
PATH = r"`benchmarks/results/[\w.-]+\.json`"
IN_HISTORY = re.compile(rf"commit ([0-9a-f]{{7,40}}),\s+((?:{PATH}(?:,\s+|\s+and\s+)?)+)\s+there")
NAME = re.compile(r"`([\w.-]+\.json)`")
COMMIT = re.compile(r"\b[0-9a-f]{7,40}\b")


def result_files() -> set[str]:
    return {path.name for path in RESULTS.glob("*.json")}


def citations(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """The results files a text cites as current, and its (commit, file) history citations."""
    history = [
        (match.group(1), name)
        for match in IN_HISTORY.finditer(text)
        for name in CITED.findall(match.group(2))
    ]
    return set(CITED.findall(IN_HISTORY.sub("", text))), history


def table_rows(section: str) -> list[list[str]]:
    """The body rows of the Markdown table under `## <section>` in the results README."""
    text = RESULTS_README.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in body.splitlines()
        if line.startswith("| `")
    ]


def test_every_result_file_is_cited():
    cited = set()
    for document in CITING_DOCUMENTS:
        cited |= citations(document.read_text(encoding="utf-8"))[0]
    listed = {name for row in table_rows("Current results") for name in NAME.findall(row[0])}
    uncited = sorted(result_files() - cited - listed)
    assert not uncited, (
        f"{uncited} in benchmarks/results/ back no figure: cite each next to its figure in "
        "README.md as `benchmarks/results/<file>` and list it in benchmarks/results/README.md, "
        "or `git rm` it (a trial stays in git history)"
    )


def test_every_cited_result_file_exists():
    for document in CITING_DOCUMENTS:
        missing = sorted(citations(document.read_text(encoding="utf-8"))[0] - result_files())
        assert not missing, (
            f"{document.name} cites {missing}, not in benchmarks/results/: fix the name, or "
            "cite the commit that has it (commit abc1234, `benchmarks/results/<file>` there)"
        )


def test_results_table_lists_the_folder():
    listed = [name for row in table_rows("Current results") for name in NAME.findall(row[0])]
    assert sorted(listed) == sorted(result_files()), (
        "benchmarks/results/README.md's table and the folder differ: "
        f"not listed {sorted(result_files() - set(listed))}, "
        f"listed but absent {sorted(set(listed) - result_files())}"
    )


def git_history_available() -> bool:
    if shutil.which("git") is None:
        return False
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return shallow.returncode == 0 and shallow.stdout.strip() == "false"


@pytest.mark.skipif(not git_history_available(), reason="needs a git checkout with history")
def test_history_citations_are_in_git():
    cited = citations((ROOT / "README.md").read_text(encoding="utf-8"))[1]
    for row in table_rows("In git history"):
        cited += [
            (commit, name) for commit in COMMIT.findall(row[1]) for name in NAME.findall(row[0])
        ]
    assert cited
    absent = [
        f"{commit}:benchmarks/results/{name}"
        for commit, name in cited
        if subprocess.run(
            ["git", "cat-file", "-e", f"{commit}:benchmarks/results/{name}"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        ).returncode
    ]
    assert not absent, f"cited from git history but not there: {absent}"
