"""Every script in examples/ runs to completion as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "ROBOJAC_EXAMPLE_OUT": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


def test_scripted_ik_says_what_its_tilted_quaternion_is() -> None:
    """The comment's axis and tool direction are those of the quaternion it labels (x, y, z, w)."""
    from scipy.spatial.transform import Rotation

    R = Rotation.from_quat([0.9238795, 0.0, 0.3826834, 0.0])
    assert R.magnitude() == pytest.approx(np.pi, abs=1e-6)
    np.testing.assert_allclose(R.as_matrix()[:, 2], [np.sqrt(0.5), 0.0, -np.sqrt(0.5)], atol=1e-6)
    text = (Path(__file__).resolve().parents[1] / "examples" / "scripted_ik.py").read_text(encoding="utf-8")
    assert "(0.707, 0, −0.707)" in text and "135°" not in text


def test_every_example_is_described_in_the_examples_readme() -> None:
    text = (Path(__file__).resolve().parents[1] / "examples" / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in EXAMPLES if f"`{p.name}`" not in text]
    assert not missing, f"examples/README.md does not describe {missing}"
