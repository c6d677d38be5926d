"""The robojac command: text and JSON output, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import robojac
from robojac.cli import main


def test_info_lists_the_chain(cli):
    code, out, _ = cli("info", "panda")
    assert code == 0
    assert "panda_link0 → panda_hand_tcp" in out and "panda_joint4" in out and "-3.072" in out


def test_fk_json_matches_the_api(cli):
    q = ["0.1", "-0.4", "0.2", "-2.0", "0.3", "1.5", "0.7"]
    code, out, _ = cli("fk", "panda", "--q", *q, "--json")
    assert code == 0
    data = json.loads(out)
    robot = robojac.load("panda")
    np.testing.assert_allclose(data["pose"], robot.fk([float(x) for x in q]), atol=1e-15)
    assert data["frame"] == "panda_hand_tcp"


def test_jacobian_text_and_json(cli):
    code, out, _ = cli("jacobian", "planar_2r", "--q", "0", "1.5707963267948966", "--ref", "local")
    assert code == 0 and "ref=local" in out and "vx" in out
    code, out, _ = cli("jacobian", "ur5", "--frame", "wrist_2_link", "--json")
    J = np.array(json.loads(out)["jacobian"])
    robot = robojac.load("ur5")
    np.testing.assert_allclose(J, robot.jacobian(robot.neutral(), "wrist_2_link"), atol=1e-15)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["fk", "pnda"], ("unknown robot 'pnda'", "panda")),
        (["fk", "panda", "--q", "1", "2"], ("shape (7,)",)),
        (["fk", "panda", "--q", "1", "x"], ("invalid float value",)),
        (["jacobian", "panda", "--ref", "globl"], ("unknown ref",)),
        (["fk", "panda", "--frame", "hand"], ("unknown frame 'hand'", "did you mean")),
        (["fk", "panda", "--tip", "nope"], ("unknown tip",)),
        (["fk"], ("required",)),
        (["frobnicate", "panda"], ("invalid choice",)),
        (["fk", "panda", "--bogus"], ("unrecognized arguments",)),
        (["info", "/no/such/file.urdf"], ("not found",)),
    ],
)
def test_errors_are_one_line_and_exit_2(cli, argv, words):
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("robojac: error:"), err
    for word in words:
        assert word in err


def test_console_script_in_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "robojac", "fk", "ur5", "--q", "0", "0", "0", "0", "0"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "robojac", "info", "iiwa14", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["dof"] == 7


ROW = b"0.45,0,0.3,1,0,0,0\n"
BOM = b"\xef\xbb\xbf"  # the UTF-8 byte-order mark spreadsheet programs put first


@pytest.mark.parametrize(
    "content, n",
    [
        (BOM + b"x,y,z,qx,qy,qz,qw\n" + ROW, 1),  # BOM before a header: the header is dropped, not a row
        (BOM + ROW + ROW, 2),  # BOM before data: every row is a target
        (b"# poses\n\n x , y ,z,qx,qy,qz,qw  # names\n" + ROW + b"\n" + ROW, 2),
        (b'"x","y","z","qx","qy","qz","qw"\n' + ROW, 1),
    ],
    ids=["bom-header", "bom-data", "comments-header", "quoted-header"],
)
def test_ik_targets_csv_reads_every_data_row(tmp_path, cli, content, n):
    path = tmp_path / "targets.csv"
    path.write_bytes(content)
    code, out, err = cli("ik", "panda", "--targets", str(path), "--seed", "0")
    assert code == 0, err
    assert f"solved {n} of {n} targets" in out


@pytest.mark.parametrize("header", [b"", b"panda_joint1,panda_joint2,j3,j4,j5,j6,j7\n"], ids=["data", "header"])
def test_scan_path_csv_with_a_bom_reads_every_row(tmp_path, cli, header):
    path = tmp_path / "path.csv"
    path.write_bytes(BOM + header + b"0,0,0,-1,0,1,0\n0,0.1,0,-1,0,1,0\n0,0.2,0,-1,0,1,0\n")
    code, out, err = cli("scan", "panda", "--path", str(path), "--json")
    assert code == 0, err
    assert len(json.loads(out)["sigma_min"]) == 3


@pytest.mark.parametrize(
    "exc, words",
    [
        (MemoryError("Unable to allocate 7.11 PiB"), ("out of memory while running 'robojac fk panda'", "7.11 PiB")),
        (MemoryError(), ("out of memory while running 'robojac fk panda'", "an allocation failed")),
        (RecursionError("maximum recursion depth exceeded"), ("nested too deeply", "recursion limit")),
    ],
    ids=["memory", "memory-bare", "recursion"],
)
def test_memory_and_recursion_errors_are_one_line(monkeypatch, cli, exc, words):
    """The last-resort catch in main(): a model or run too big for memory is one line, exit 2."""

    def load(*args, **kwargs):
        raise exc

    monkeypatch.setattr(robojac.loading, "load", load)
    code, out, err = cli("fk", "panda")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("robojac: error: "), err
    for word in words:
        assert word in lines[0]


def test_warnings_are_one_clean_line_each():
    """A MeshWarning reads "robojac: warning: ...", without robojac's source file or code line."""
    data = Path(__file__).resolve().parent / "data"
    proc = subprocess.run(
        [sys.executable, "-W", "always", "-m", "robojac", "info", str(data / "clash_arm.urdf"), "--tip", "tool"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("robojac: warning: ") for line in lines), proc.stderr
    assert "mesh file(s)" in proc.stderr and ".py:" not in proc.stderr


def test_main_puts_the_warning_format_back(capsys):
    before = warnings.formatwarning
    assert main(["info", "planar_2r"]) == 0
    assert warnings.formatwarning is before


def test_warmup_and_info_report_the_kernel_cache(cli):
    """`robojac warmup` leaves the kernel compiled and says where numba caches it; `info --json` says the same."""
    code, out, _ = cli("warmup", "--json")
    assert code == 0
    data = json.loads(out)
    assert isinstance(data["compiled"], bool) and data["seconds"] >= 0
    code, out, _ = cli("info", "planar_2r", "--json")
    assert code == 0 and json.loads(out)["ik_kernel_cache_dir"] == data["cache_dir"]


def test_ik_position_only_takes_three_numbers_and_says_rotation_free(cli):
    code, out, _ = cli("ik", "panda", "--target", "0.45", "0", "0.3", "--position-only")
    assert code == 0 and "rotation free" in out and "rotation error" not in out
    code, out, _ = cli("ik", "panda", "--target", "0.45", "0", "0.3", "--position-only", "--json")
    data = json.loads(out)
    assert data["success"] and data["rotation_error"] is None and data["target"]["quaternion_xyzw"] is None


def test_batch_percentages_never_round_a_failure_away():
    from robojac.cli.format import percent

    assert percent(4999, 5000) == "99.98 %" and percent(5000, 5000) == "100 %"
    assert percent(1, 3_000_000) != "0.0 %" and float(percent(1, 3_000_000).split()[0]) > 0
    assert percent(2, 3) == "66.7 %" and percent(0, 5) == "0.0 %"
    assert percent(999_999_999, 10**9) == "<100 %"


def test_json_writes_infinity_as_null(cli):
    """An unbounded quantity is null in --json (documented in docs/conventions.md), never the string "inf"."""
    code, out, _ = cli("singularity", "ur5", "--json")
    assert code == 0 and '"inf"' not in out and json.loads(out)["condition_number"] is None


def test_q_far_outside_the_limits_warns_once():
    """Degrees typed as radians: fk still answers, with one warning line on stderr naming a joint and the hint."""
    degrees = ["0", "45", "0", "-90", "0", "90", "45"]
    proc = subprocess.run(
        [sys.executable, "-m", "robojac", "fk", "panda", "--q", *degrees], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "position" in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "far outside the joint limits: panda_joint2 = 45 rad" in lines[0], proc.stderr
    assert "degrees" in lines[0] and "(and 3 more)" in lines[0]
    # just past a limit, or inside: no warning (an honest slip is the kinematics' to take)
    inside = subprocess.run(
        [sys.executable, "-m", "robojac", "fk", "panda", "--q", "0", "1.8", "0", "-1", "0", "1", "0"],
        capture_output=True,
        text=True,
    )
    assert inside.returncode == 0 and inside.stderr == ""


def test_ik_html_writes_a_page_of_the_solution(cli, tmp_path):
    """`robojac ik --html` goes from IK to the browser: a standalone meshcat page with the target drawn."""
    page = tmp_path / "ik.html"
    code, out, _ = cli("ik", "panda", "--target", "0.45", "0", "0.3", "1", "0", "0", "0", "--html", str(page))
    assert code == 0 and f"wrote {page}" in out
    html = page.read_text(encoding="utf-8")
    assert "MeshCat.Viewer" in html
    # more than the arm alone: the target, the tool's path and the animation of the move are in the page
    plain = tmp_path / "arm.html"
    assert cli("view", "panda", "--html", str(plain))[0] == 0
    assert len(html) > len(plain.read_text(encoding="utf-8")) + 1000
    code, _, err = cli("ik", "panda", "--targets", str(page), "--html", str(page))
    assert code == 2 and "--html goes with one --target" in err


def test_ik_batch_takes_a_file_of_positions_with_position_only(cli, tmp_path):
    """A 3-column targets file is a batch of positions when the rotation is free; the JSON
    then writes each rotation error as null (not measured), and the fk of every answer hits its target."""
    import robojac

    panda = robojac.load("panda")
    rng = np.random.default_rng(2)
    P = np.array([panda.fk(panda.random_configuration(rng))[:3, 3] for _ in range(6)])
    f = tmp_path / "p.csv"
    np.savetxt(f, P, delimiter=",")
    code, out, _ = cli("ik", "panda", "--targets", str(f), "--position-only", "--json")
    data = json.loads(out)
    assert code == 0 and data["solved"] == 6 and data["rotation_error"] == [None] * 6
    for q, p in zip(data["q"], P):
        assert np.linalg.norm(panda.fk(np.array(q))[:3, 3] - p) < 1e-6


def test_ik_targets_avoid_collisions_text_json_and_out(tmp_path, cli):
    """`robojac ik --targets ... --avoid-collisions`: answers clear of the table; the rejected ones counted."""
    from robojac.collision import CollisionModel

    robot = robojac.load("panda")
    cm = CollisionModel(robot, obstacles=[("table", "plane", (), (0, 0, 0.1))])
    rng = np.random.default_rng(13)
    free, hit = [], []
    while len(free) < 6 or len(hit) < 2:
        q = robot.random_configuration(rng)
        if not cm.in_collision(q):
            free += [robot.fk(q)] if len(free) < 6 else []
        elif len(hit) < 2 and robot.fk(q)[2, 3] > 0.15:  # the arm collides, the tool is above the table
            hit.append(robot.fk(q))
    targets = np.array(free + hit)
    path = tmp_path / "t.csv"
    np.savetxt(path, targets.reshape(-1, 16), delimiter=",")
    argv = ["ik", "panda", "--targets", str(path), "--seed", "1", "--timeout", "0.05"]
    avoid = [*argv, "--avoid-collisions", "--obstacle", "plane", "0.1"]
    code, out, _ = cli(*argv)
    assert code == 0 and "solved 8 of 8" in out and "collision" not in out
    code, out, _ = cli(*avoid, "--out", str(tmp_path / "o.npz"))
    data = np.load(tmp_path / "o.npz")
    rejected = int((data["collision"][:, 0] != "").sum())
    assert code == 1 and rejected >= 1
    assert f"{rejected} rejected for collision" in out and f"{len(cm.pairs)} pairs checked" in out
    for q, ok in zip(data["q"], data["success"], strict=True):
        assert not ok or not cm.in_collision(q)
    code, out, _ = cli(*avoid, "--json", "--workers", "2")
    d = json.loads(out)
    # (another run under a time budget: its counts are its own)
    assert d["collided"] == sum(c is not None for c in d["collision"]) >= 1 and d["collision_pairs"] == len(cm.pairs)
    assert all(not cm.in_collision(np.array(q)) for q, ok in zip(d["q"], d["success"], strict=True) if ok)
    code, out, _ = cli(*argv, "--json")
    d = json.loads(out)
    assert d["collided"] is None and "collision" not in d
