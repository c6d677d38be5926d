"""The documentation: every ``robojac.x.y`` named in docs/*.md and the READMEs resolves after a bare
``import robojac``, and the API check that ``make docs`` runs first (docs/check_api.py) catches an
undocumented public name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


FIXTURES = ROOT / "tests" / "data" / "apidoc_fixture"


def _check_api(package: str, pages: Path) -> subprocess.CompletedProcess[str]:
    """``make docs``'s first step, docs/check_api.py, on ``package`` (importable from the fixtures folder)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURES), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, str(ROOT / "docs" / "check_api.py"), package, str(pages)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_docs_check_fails_on_an_undocumented_public_function() -> None:
    """A public function without a docstring, listed in the API page, fails the check by name."""
    bad = _check_api("undocumented", FIXTURES / "undocumented")
    assert bad.returncode == 1 and "undocumented.perimeter: no docstring" in bad.stderr, bad.stderr
    assert "undocumented.area" not in bad.stderr and "undocumented.Thing" not in bad.stderr
    good = _check_api("documented", FIXTURES / "documented")
    assert good.returncode == 0, good.stderr


def test_the_docs_check_fails_on_a_public_name_missing_from_the_reference(tmp_path: Path) -> None:
    (tmp_path / "api.md").write_text("# API\n\n::: documented.Thing\n", encoding="utf-8")
    res = _check_api("documented", tmp_path)
    assert res.returncode == 1 and "documented.area: not in the API reference" in res.stderr


def test_every_public_name_of_robojac_is_in_the_reference_with_a_docstring() -> None:
    res = _check_api("robojac", ROOT / "docs")
    assert res.returncode == 0, res.stderr


def test_the_readme_quick_start_runs_and_says_the_quaternion_order() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Quick start\n\n```python\n(.*?)```", text, re.S)
    assert code is not None
    assert "(x, y, z, w)" in code.group(1) and "[0, 0, 0, 1]" in code.group(1)
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md quick start", "exec"), namespace)
    assert namespace["res"].success  # type: ignore[attr-defined]


def test_the_readme_python_version_is_pyprojects() -> None:
    requires = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert requires is not None
    assert f"Python {requires.group(1)} or newer" in (ROOT / "README.md").read_text(encoding="utf-8")
