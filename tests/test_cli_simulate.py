"""``robojac simulate``: runs each controller, writes logs and plots, refuses bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from robojac.cli import main
from robojac.log import Log

READY = ["0", "-0.785", "0", "-2.356", "0", "1.571", "0.785"]


@pytest.mark.parametrize("controller", ["rrmc", "impedance", "osc"])
def test_simulate_each_controller_writes_a_log(controller: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run.npz"
    argv = ["simulate", "panda", "--q", *READY, "--controller", controller, "--duration", "0.3", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "status: ok" in text and "position error" in text
    log = Log.load(out)
    assert len(log) == 301 and log.robot == "panda"
    np.testing.assert_allclose(log.q[0], [float(x) for x in READY])
    expected = {
        "rrmc": ("ResolvedRateController", "kinematic"),
        "impedance": ("CartesianImpedanceController", "dynamic (semi_implicit_euler)"),
        "osc": ("OperationalSpaceController", "dynamic (semi_implicit_euler)"),
    }[controller]
    assert (log.controller, log.simulator) == expected


def test_simulate_line_json_csv_and_plot(tmp_path: Path, capsys) -> None:
    out, png = tmp_path / "run.csv", tmp_path / "run.png"
    argv = ["simulate", "panda", "--q", *READY, "--trajectory", "line", "--delta", "0", "0.05", "0"]
    argv += ["--duration", "0.5", "--out", str(out), "--plot", str(png), "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "ok" and summary["samples"] == 501
    log = Log.load(out)
    # The line of 5 cm ends at 80 % of the run, so the tool has moved ~5 cm along y.
    moved = log.tool_pose[-1, :3, 3] - log.tool_pose[0, :3, 3]
    np.testing.assert_allclose(moved, [0.0, 0.05, 0.0], atol=1e-3)
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_planar_arm_tracks_position_only(capsys) -> None:
    argv = ["simulate", "planar_2r", "--q", "0.3", "1.2", "--normal", "0", "0", "1", "--duration", "0.5"]
    assert main(argv) == 0
    assert "status: ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--duration", "0"], "duration"),
        (["--dt", "-0.001"], "dt"),
        (["--gain", "-1"], "gain"),
        (["--gain", "1", "2"], "1 or 6 gains"),
        (["--radius", "5"], "outside the workspace"),
        (["--controller", "pid"], "invalid choice"),
        (["--out", "log.txt"], ".npz or .csv"),
        (["--stiffness", "100"], "--stiffness applies to --controller impedance or osc"),
        (["--controller", "impedance", "--gain", "5"], "--gain applies to --controller rrmc only"),
        (["--controller", "osc", "--damping", "0.01"], "--damping applies to --controller rrmc only"),
        (["--controller", "impedance", "--stiffness", "-1"], "stiffness"),
    ],
)
def test_bad_input_is_one_line_and_status_2(extra: list[str], message: str, capsys, tmp_path: Path) -> None:
    argv = ["simulate", "panda", "--q", *READY, "--duration", "0.05", *extra]
    if "--out" in extra:
        argv[argv.index("log.txt")] = str(tmp_path / "log.txt")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err


def test_bundled_arm_without_q_starts_away_from_its_singular_neutral_pose(capsys) -> None:
    # iiwa14's neutral pose points straight up: a circle from there would leave the workspace.
    assert main(["simulate", "iiwa14", "--controller", "osc", "--duration", "0.1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
