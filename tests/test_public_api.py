"""The top level: declared once in robojac/__init__.pyi, every name importable, nothing stray."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import robojac

STUB = Path(robojac.__file__).with_suffix(".pyi")


def _stub_names() -> list[str]:
    tree = ast.parse(STUB.read_text())
    return sorted(a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names)


def test_all_is_the_stubs_declaration() -> None:
    assert robojac.__all__ == _stub_names()
    assert len(robojac.__all__) == len(set(robojac.__all__))


@pytest.mark.parametrize("name", robojac.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(robojac, name)
    assert value is not None
    module = getattr(value, "__module__", None) or value.__name__
    assert module.startswith("robojac"), (name, module)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'solve_ikk'"):
        robojac.solve_ikk  # noqa: B018


def test_arm_specific_and_helper_names_stay_in_their_modules() -> None:
    for name in ("classify_ur_singularity", "ur_singularity_margins", "force_at_point", "robust_step"):
        assert name not in robojac.__all__
    assert hasattr(importlib.import_module("robojac.singularity"), "classify_ur_singularity")


def test_version_comes_from_the_package_metadata() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert f'version = "{robojac.__version__}"' in text


def test_import_is_lazy() -> None:
    """``import robojac`` loads neither numba (the IK kernel) nor meshcat (the viewer)."""
    code = "import sys, robojac; robojac.load('planar_2r'); print('numba' in sys.modules, 'meshcat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
