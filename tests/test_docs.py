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
    namespace: dict = {"__name__": "__docs__"}
    for code in _blocks(path):
        exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 - our own docs
