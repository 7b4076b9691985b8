"""The documentation's code samples run: every ```python block of README.md and docs/*.md.

Each file's blocks run in order in one namespace (a later block may use an earlier one's
names, as a reader would), in a fresh temporary working directory whose ``../shared/data``
points at the shared data when it exists. A block that cannot run here (it needs a GPU, a
full training run, network access or minutes of CPU) is marked in the markdown, with the
reason, either in the fence's info string or in an HTML comment on the line before it:

    ```python no-run            or          <!-- no-run: needs a GPU -->
                                            ```python

A block marked ``needs-data`` the same way runs only where ``../shared/data`` exists (and is
skipped, with the later blocks of its file still run, where it does not). Prefer tiny
synthetic data (``tinycnn.randn``, a small ``ArrayDataset``) so a sample runs everywhere.

Blocks in ``>>>`` style run as doctests, so their printed output is checked too.
Tracebacks point at the markdown file and line of the failing sample.
"""

from __future__ import annotations

import doctest
import re
import signal
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
# docs/performance.md and docs/reproductions.md are still being written by their owners.
DOCS = ["README.md", "docs/design.md", "docs/autograd.md", "docs/training.md", "docs/data.md",
        "docs/transfer.md", "docs/porting.md", "docs/convolution.md"]
TIMEOUT_S = 60  # per file; all files together take a few seconds

_FENCE = re.compile(r"^```(\S*)\s*(.*)$")
_MARKS = ("no-run", "needs-data")
_MARK_COMMENT = re.compile(r"^<!--\s*(no-run|needs-data)\b.*-->\s*$")


@dataclass
class Block:
    lineno: int     # 1-based line of the block's first code line in the markdown file
    lang: str
    code: str
    mark: str | None  # "no-run", "needs-data" or None


def parse_blocks(text: str) -> list[Block]:
    """Fenced code blocks of a markdown text, with their language and no-run mark."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, info = m.group(1).lower(), m.group(2)
        prev = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
        comment = _MARK_COMMENT.match(prev.strip())
        mark = next((m for m in _MARKS if m in info.split()), comment and comment.group(1))
        start = i + 1
        i = start
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        if i == len(lines):
            raise ValueError(f"unclosed code fence at line {start}")
        blocks.append(Block(start + 1, lang, "\n".join(lines[start:i]) + "\n", mark))
        i += 1
    return blocks


def python_blocks(doc: str) -> list[Block]:
    return [b for b in parse_blocks((ROOT / doc).read_text()) if b.lang == "python"]


class _Timeout(Exception):
    pass


def _run_block(block: Block, doc: str, ns: dict) -> None:
    if ">>> " in block.code:
        parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        test = parser.get_doctest(block.code, ns, f"{doc}:{block.lineno}", doc, block.lineno - 1)
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=False)
        assert result.failed == 0, "".join(out)
        return
    # Blank lines in front make the traceback's line numbers those of the markdown file.
    code = compile("\n" * (block.lineno - 1) + block.code, str(ROOT / doc), "exec")
    try:
        exec(code, ns)  # noqa: S102  (running the documentation is the point of this test)
    except _Timeout:
        raise
    except Exception as e:  # report the sample's own traceback, not this file's frames
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next))
    else:
        return
    pytest.fail(f"sample at {doc}:{block.lineno} failed:\n{tb}", pytrace=False)


@pytest.fixture
def doc_workdir(tmp_path, monkeypatch):
    """A working directory with ``../shared/data`` (when the shared data exists)."""
    work = tmp_path / "repo"
    work.mkdir()
    if SHARED_DATA.is_dir():
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "data").symlink_to(SHARED_DATA)
    monkeypatch.chdir(work)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return work


@pytest.mark.parametrize("doc", DOCS)
def test_doc_samples_run(doc, doc_workdir):
    blocks = python_blocks(doc)
    runnable = [b for b in blocks if b.mark is None]
    if blocks:  # a file with code has samples that run everywhere
        assert runnable, f"{doc}: none of its {len(blocks)} python blocks runs without marks"
    if SHARED_DATA.is_dir():
        runnable = [b for b in blocks if b.mark != "no-run"]
    ns: dict = {"__name__": f"docs_{Path(doc).stem}"}
    main_thread = threading.current_thread() is threading.main_thread()
    current: list[Block] = []

    def on_alarm(signum, frame):
        raise _Timeout(f"{doc}: samples took over {TIMEOUT_S} s (at the block of line "
                       f"{current[-1].lineno if current else '?'})")

    old = signal.signal(signal.SIGALRM, on_alarm) if main_thread else None
    if main_thread:
        signal.alarm(TIMEOUT_S)
    try:
        for block in runnable:
            current.append(block)
            _run_block(block, doc, ns)
    finally:
        if main_thread:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    import matplotlib.pyplot as plt  # noqa: PLC0415  (figures made by the samples)

    plt.close("all")


def test_every_doc_is_covered():
    """A new markdown file under docs/ is either added to DOCS or deliberately left out."""
    others = {"docs/performance.md", "docs/reproductions.md"}
    found = {str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")} | {"README.md"}
    assert found - others <= set(DOCS), sorted(found - others - set(DOCS))


def test_parse_blocks_marks():
    text = ("x\n```python\na = 1\n```\n<!-- no-run: needs a GPU -->\n```python\nb = 2\n```\n"
            "```python no-run\nc = 3\n```\n```bash\nls\n```\n<!-- needs-data -->\n\n```python\n"
            "d = 4\n```\n")
    blocks = parse_blocks(text)
    assert [(b.lang, b.mark, b.lineno) for b in blocks] == [
        ("python", None, 3), ("python", "no-run", 7), ("python", "no-run", 10),
        ("bash", None, 13), ("python", "needs-data", 18)]
    with pytest.raises(ValueError, match="unclosed"):
        parse_blocks("```python\na = 1\n")


def test_readme_test_command_is_the_ci_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    marker = next(i for i, ln in enumerate(ci) if "README's test command (keep" in ln)
    command = ci[marker + 1].strip()
    readme_bash = [b.code for b in parse_blocks((ROOT / "README.md").read_text())
                   if b.lang == "bash"]
    assert len(readme_bash) == 2, "README shows exactly two commands"
    assert readme_bash[1].strip().endswith("&& " + command), (readme_bash[1], command)
    # The install step is the same too: the test extra, editable.
    assert "pip install -e '.[test]'" in readme_bash[1]
    assert re.search(r"pip install -q -e '\.\[test\]'", "\n".join(ci))


def test_readme_main_command_arguments_exist():
    readme_bash = [b.code for b in parse_blocks((ROOT / "README.md").read_text())
                   if b.lang == "bash"]
    script, *args = readme_bash[0].split("&& ")[-1].split()[1:]
    assert (ROOT / script).is_file()
    options = [a for a in args if a.startswith("--")]
    out = subprocess.run([sys.executable, str(ROOT / script), "--help"], capture_output=True,
                         text=True, check=False, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    for opt in options:
        assert opt in out.stdout, f"README passes {opt}, which {script} does not accept"


def test_readme_module_table_matches_package():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## What is inside", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"`(tinycnn(?:\.\w+)*)`", table))
    import importlib  # noqa: PLC0415

    for name in named:
        importlib.import_module(name)
    # Every public subpackage and module of tinycnn is listed (as tinycnn.X or as X.py).
    pkg = ROOT / "tinycnn"
    public = {p.stem for p in pkg.iterdir()
              if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())}
    listed = {n.split(".")[1] for n in named if "." in n} | set(re.findall(r"`(\w+)\.py`", table))
    assert public <= listed, f"not in README's table: {sorted(public - listed)}"
