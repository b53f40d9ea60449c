"""Every python example in the README and docs/ runs (in order, one namespace per file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.parametrize("path", [f for f in FILES if _blocks(f)], ids=lambda p: p.name)
def test_examples_run(path, capsys):
    namespace: dict = {"__name__": "__main__"}
    for code in _blocks(path):
        exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 - our own docs


def test_docs_build_without_warnings(tmp_path):
    """The user guide and the API reference (from the numpydoc docstrings) build with -W."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    from sphinx.cmd.build import build_main

    code = build_main(
        ["-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(tmp_path / "html")]
    )
    assert code == 0
