"""The prose documentation names only what exists: every ``robojac.x.y`` in docs/*.md and the READMEs
resolves by attribute access after a bare ``import robojac``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import robojac

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "urdf" / "README.md"]
PAGES.append(ROOT / "examples" / "README.md")
DOTTED = re.compile(r"(?<![\w./])robojac(?:\.[A-Za-z_]\w*)+")


def _names() -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        if not page.is_file():
            continue
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in DOTTED.finditer(line):
                before = line[max(0, m.start() - 7) : m.start()]
                if "import" in before or "from " in before:  # `import robojac.reach` makes its own attribute
                    continue
                out.append((page.relative_to(ROOT).as_posix(), number, m.group(0)))
    return out


@pytest.mark.parametrize(("page", "line", "name"), _names(), ids=lambda v: str(v))
def test_every_dotted_name_in_the_docs_resolves_after_import_robojac(page: str, line: int, name: str) -> None:
    # robojac.__all__ is what `import robojac` provides (lazily); a submodule outside it becomes an
    # attribute only once something imports it, so whether it resolves would depend on what ran first.
    parts = name.split(".")[1:]
    assert parts[0] in robojac.__all__ or parts[0] == "__version__", (
        f"{page}:{line}: {name}: robojac.{parts[0]} is not public"
    )
    obj = robojac
    for part in parts:
        assert hasattr(obj, part), f"{page}:{line}: {name} does not exist"
        obj = getattr(obj, part)
