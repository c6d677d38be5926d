"""`robojac demo` (what `make demo` runs) finishes on its own when no terminal is attached."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_to_the_end_without_a_tty(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "robojac", "demo"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for heading in ("== Chain ==", "== Forward kinematics and Jacobians ==", "== Viewer =="):
        assert heading in proc.stdout
    assert "panda_link0 → panda_hand_tcp" in proc.stdout
    assert "Traceback" not in proc.stderr
    # short and readable: a screenful or two, no negative zeros, no raw numpy arrays
    assert len(proc.stdout.splitlines()) <= 60, len(proc.stdout.splitlines())
    assert "-0.000" not in proc.stdout and "-0. " not in proc.stdout and "[ " not in proc.stdout
    assert "within max‖J_v q̈‖·dt/(2K)" in proc.stdout
