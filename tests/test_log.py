"""Log: round trips through .npz and CSV, the plot, derived series, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import robojac
from robojac.control import CartesianImpedanceController, ResolvedRateController
from robojac.log import ARRAYS, Log
from robojac.simulate import ContactWrench, simulate_dynamic, simulate_kinematic
from robojac.trajectory import Circle

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


@pytest.fixture(scope="module")
def logs(panda: robojac.Robot) -> dict[str, Log]:
    circle = Circle.starting_at(panda.fk(READY), 0.05, normal=[1, 0, 0], period=1.0)
    kin = simulate_kinematic(panda, ResolvedRateController(panda, circle, dt=0.01), READY, duration=0.5)
    push = ContactWrench([0.0, 0.0, 5.0, 0.0, 0.0, 0.0], panda.tip)
    dyn = simulate_dynamic(
        panda, CartesianImpedanceController(panda, panda.fk(READY)), READY, duration=0.05, contacts=[push]
    )
    dyn.message = 'a message, with "quotes", commas\nand a newline'
    return {"kinematic": kin, "dynamic": dyn}


def _same(a: Log, b: Log) -> None:
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)  # exact, NaN included
    for name in ("robot", "frame", "joint_names", "controller", "simulator", "dt", "status", "message"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
@pytest.mark.parametrize("which", ["kinematic", "dynamic"])
def test_round_trip(logs: dict[str, Log], tmp_path: Path, suffix: str, which: str) -> None:
    log = logs[which]
    path = log.save(tmp_path / f"run{suffix}")
    _same(log, Log.load(path))


def test_csv_is_readable_as_a_table(logs: dict[str, Log], tmp_path: Path) -> None:
    log = logs["dynamic"]
    path = log.save(tmp_path / "run.csv")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# robojac log {")
    header = lines[1].lstrip("# ").split(",")
    assert header == log.columns()
    assert header[:2] == ["t", "q:panda_joint1"]
    table = np.loadtxt(path, delimiter=",", comments="#")
    assert table.shape == (len(log), len(header))
    np.testing.assert_array_equal(table[:, header.index("contact:fz")], log.contact_wrench[:, 2])
    assert log.contact_wrench[-1, 2] == 5.0  # what the tool exerts, as given


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_a_log_saved_before_the_wrench_convention_loads_with_the_wrench_turned_round(
    logs: dict[str, Log], tmp_path: Path, suffix: str
) -> None:
    """Older logs stored the wrench applied to the arm (``external_wrench``, columns
    ``wrench:fx…tz``): loading one gives what the arm exerted, the opposite."""
    log = logs["dynamic"]
    path = log.save(tmp_path / f"run{suffix}")
    if suffix == ".npz":
        with np.load(path) as z:
            old = {("external_wrench" if k == "contact_wrench" else k): z[k] for k in z.files}
        old["external_wrench"] = -old["external_wrench"]
        np.savez_compressed(path, **old)
    else:
        text = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = text[1].replace("contact:", "wrench:").replace(":nx", ":tx").replace(":ny", ":ty")
        rows = [np.array(line.split(","), dtype=float) for line in text[2:]]
        for row in rows:
            row[-6:] = -row[-6:]
        body = "".join(",".join(f"{x:.17g}" for x in row) + "\n" for row in rows)
        path.write_text(text[0] + header.replace(":nz", ":tz") + body, encoding="utf-8")
    loaded = Log.load(path)
    np.testing.assert_array_equal(loaded.contact_wrench, log.contact_wrench)
    assert loaded.contact_wrench[-1, 2] == 5.0


def test_shapes_and_derived_series(logs: dict[str, Log]) -> None:
    log = logs["kinematic"]
    n = len(log)
    assert n == 51
    assert log.t.shape == (n,) and log.q.shape == (n, 7) and log.tool_pose.shape == (n, 4, 4)
    np.testing.assert_allclose(log.position_error, np.linalg.norm(log.pose_error[:, :3], axis=1))
    np.testing.assert_allclose(log.rotation_error, np.linalg.norm(log.pose_error[:, 3:], axis=1))
    s = log.summary()
    assert s["samples"] == n and s["status"] == "ok"
    assert s["max_position_error_m"] == pytest.approx(log.position_error.max())


def test_truncated_keeps_the_first_samples(logs: dict[str, Log]) -> None:
    short = logs["kinematic"].truncated(5)
    assert len(short) == 5 and short.q.shape == (5, 7)
    np.testing.assert_array_equal(short.t, logs["kinematic"].t[:5])


@pytest.mark.parametrize("which", ["kinematic", "dynamic"])
def test_plot_writes_a_png(logs: dict[str, Log], tmp_path: Path, which: str) -> None:
    pytest.importorskip("matplotlib")
    path = logs[which].plot(tmp_path / "run.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000


def test_plot_without_a_path_writes_next_to_the_user(
    logs: dict[str, Log], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    path = logs["kinematic"].plot()
    assert path.resolve() == (tmp_path / "robojac-log.png").resolve()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_files(logs: dict[str, Log], tmp_path: Path) -> None:
    with pytest.raises(robojac.InputError, match=r"\.npz or \.csv"):
        logs["kinematic"].save(tmp_path / "run.txt")
    with pytest.raises(robojac.InputError, match=r"\.npz or \.csv"):
        Log.load(tmp_path / "run.json")
    with pytest.raises(robojac.RobojacError, match="cannot read"):
        Log.load(tmp_path / "missing.npz")
    for suffix in (".npz", ".csv"):
        with pytest.raises(robojac.RobojacError, match="cannot write"):
            logs["kinematic"].save(tmp_path / "no_such_dir" / f"run{suffix}")
    junk = tmp_path / "junk.csv"
    junk.write_text("1,2,3\n")
    with pytest.raises(robojac.RobojacError, match="cannot read"):
        Log.load(junk)
