"""Malformed URDFs and bad chains: a RobojacError that says what was wrong, never a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import robojac

from conftest import DATA

GOOD = (Path(robojac.loading.urdf_dir()) / "planar_2r.urdf").read_text()

ARM = """<robot name="a">
  <link name="base"/><link name="l1"/><link name="l2"/>
  <joint name="j1" type="{type1}"><parent link="{parent}"/><child link="l1"/>
    <origin xyz="{xyz}"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>
  <joint name="j2" type="fixed"><parent link="l1"/><child link="l2"/></joint>
</robot>"""


def arm(type1: str = "revolute", parent: str = "base", xyz: str = "0 0 0.1") -> str:
    return ARM.format(type1=type1, parent=parent, xyz=xyz)


# (file content, words the message must contain)
MALFORMED: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "empty": ("", ("empty",)),
    "whitespace": ("  \n\t ", ("empty",)),
    "truncated": (GOOD[: len(GOOD) // 2], ("well-formed", "truncated")),
    "binary": (bytes(range(256)) * 4, ("binary",)),
    "latin1": ("<robot name='\xe9'/>".encode("latin-1"), ("UTF-8",)),
    "not_urdf": ('<?xml version="1.0"?><sdf version="1.6"><model name="m"/></sdf>', ("not a URDF", "<sdf>", "<robot>")),
    "no_links": ('<robot name="r"></robot>', ("no <link>",)),
    "missing_parent": (arm(parent="bsae"), ("parent link 'bsae'", "not defined", "did you mean 'base'")),
    "bad_number": (arm(xyz="0 zero 0.1"), ("origin xyz", "3 numbers", "zero")),
    "short_vector": (arm(xyz="0 0"), ("3 numbers", "got 2")),
    "nan_origin": (arm(xyz="0 nan 0"), ("finite",)),
    "bad_type": (arm(type1="hinge"), ("type 'hinge'", "revolute")),
    "no_movable_joint": (arm(type1="fixed"), ("no movable joint",)),
    "cycle": (
        '<robot name="c"><link name="a"/><link name="b"/>'
        '<joint name="x" type="fixed"><parent link="a"/><child link="b"/></joint>'
        '<joint name="y" type="fixed"><parent link="b"/><child link="a"/></joint></robot>',
        ("root",),
    ),
    "negative_mass": (
        GOOD.replace('<mass value="1"/>', '<mass value="-1"/>'),
        ("mass -1", ">= 0"),
    ),
    "missing_limit": (
        arm().replace('<limit lower="-1" upper="1" effort="1" velocity="1"/>', ""),
        ("no <limit",),
    ),
    "inverted_limits": (arm().replace('lower="-1" upper="1"', 'lower="1" upper="-1"'), ("lower limit 1.0 > upper",)),
}


@pytest.fixture
def write(tmp_path):
    def _write(content: str | bytes, name: str = "robot.urdf") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return _write


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_raises_a_clear_model_error(write, case):
    content, words = MALFORMED[case]
    with pytest.raises(robojac.ModelError) as info:
        robojac.load(write(content))
    for word in words:
        assert word in str(info.value), str(info.value)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_never_crashes_the_interpreter(write, case):
    """Same files through the CLI in a fresh process: exit 2, one line on stderr, no traceback."""
    path = write(MALFORMED[case][0])
    proc = subprocess.run(
        [sys.executable, "-m", "robojac", "info", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("robojac: error:"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(robojac.URDFError, match="not found"):
        robojac.load(tmp_path / "nope.urdf")
    with pytest.raises(robojac.URDFError, match="directory"):
        robojac.load(str(tmp_path) + "/")


def test_unknown_robot_lists_the_bundled_ones():
    with pytest.raises(robojac.UnknownRobotError) as info:
        robojac.load("pnada")
    msg = str(info.value)
    assert "did you mean 'panda'" in msg
    for name in robojac.bundled_robots():
        assert name in msg


def test_unknown_base_and_tip_give_close_matches():
    with pytest.raises(robojac.ChainError, match="did you mean 'panda_link0'"):
        robojac.load("panda", base="panda_lnk0")
    with pytest.raises(robojac.ChainError, match="did you mean 'panda_hand_tcp'"):
        robojac.load("panda", tip="panda_hand_tpc")


def test_tip_not_below_base():
    with pytest.raises(robojac.ChainError, match="not below base"):
        robojac.load("panda", base="panda_link5", tip="panda_link2")


def test_chain_with_only_fixed_joints():
    with pytest.raises(robojac.ChainError, match="no movable joint"):
        robojac.load("panda", base="panda_link8", tip="panda_hand_tcp")


def test_bad_locked_values():
    with pytest.raises(robojac.FrameError, match="did you mean 'panda_finger_joint1'"):
        robojac.load("panda", locked={"panda_fingr_joint1": 0.01})
    with pytest.raises(robojac.InputError, match="outside the joint's limits"):
        robojac.load("panda", locked={"panda_finger_joint1": 0.5})
    with pytest.raises(robojac.InputError, match="must be a number"):
        robojac.load("panda", locked={"panda_finger_joint1": "open"})


@pytest.mark.parametrize(
    "q, words",
    [
        ([0.0] * 6, ("shape (7,)", "got shape (6,)", "panda_joint1")),
        ([[0.0] * 7], ("shape (7,)", "(1, 7)", "flatten")),
        (np.zeros((2, 7)), ("shape (7,)", "once per row")),
        ("0 0 0 0 0 0 0", ("string",)),
        (0.0, ("scalar",)),
        ([0, 0, 0, np.nan, 0, 0, 0], ("finite", "[3]")),
        ([0, 0, 0, 0, 0, np.inf, 0], ("finite", "[5]")),
        ([0, 0, 0, None, 0, 0, 0], ("finite",)),
        ({"a": 1}, ("array of numbers",)),
    ],
)
def test_bad_q_is_an_input_error(robots, q, words):
    for call in (robots["panda"].fk, robots["panda"].jacobian):
        with pytest.raises(robojac.InputError) as info:
            call(q)
        for word in words:
            assert word in str(info.value), str(info.value)


def test_unknown_ref_and_frame(robots):
    panda = robots["panda"]
    q = panda.neutral()
    with pytest.raises(robojac.FrameError, match="expected one of 'local', 'world', 'local_world_aligned'"):
        panda.jacobian(q, ref="LOCAL")
    with pytest.raises(robojac.FrameError, match="did you mean 'panda_link3'"):
        panda.fk(q, "panda_lnk3")
    with pytest.raises(robojac.FrameError):
        panda.jacobian_dot(q, q, frame="nope")
    with pytest.raises(robojac.InputError, match="dq"):
        panda.jacobian_dot(q, q[:3])


def test_the_messy_urdf_loads_in_a_subprocess_too():
    proc = subprocess.run(
        [sys.executable, "-m", "robojac", "info", str(DATA / "clash_arm.urdf"), "--package-dir", str(DATA)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "shoulder" in proc.stdout and "missing.dae" in proc.stderr


def test_a_floating_joint_on_the_chain_names_a_base_below_it(write):
    text = (
        arm()
        .replace('<link name="base"/>', '<link name="world"/><link name="base"/>')
        .replace(
            "</robot>", '<joint name="float" type="floating"><parent link="world"/><child link="base"/></joint></robot>'
        )
    )
    path = write(text)
    with pytest.raises(robojac.ChainError, match="pass base='base'"):
        robojac.load(path)
    assert robojac.load(path, base="base").joint_names == ("j1",)


def test_a_byte_order_mark_and_an_encoding_declaration_are_fine(write):
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + arm()
    path = write(b"\xef\xbb\xbf" + text.encode())
    assert robojac.load(path).joint_names == ("j1",)


# ---------------------------------------------------------------------------- issue 16: what Pinocchio's parser hid
def with_inertia(tensor: str, mass: str = "1") -> str:
    return arm().replace(
        '<link name="l1"/>', f'<link name="l1"><inertial><mass value="{mass}"/><inertia {tensor}/></inertial></link>'
    )


@pytest.mark.parametrize(
    "tensor",
    [
        'ixx="0" ixy="0" ixz="0" iyy="0" iyz="0" izz="0"',  # a point mass
        'ixx="0.0833333" ixy="0" ixz="0" iyy="0.0833333" iyz="0" izz="0"',  # a thin rod along z
        'ixx="0.02" ixy="0" ixz="0" iyy="0.03" iyz="0" izz="0.05"',  # a flat plate: izz = ixx + iyy
        'ixx="0.0175" ixy="-0.0025" ixz="0.004" iyy="0.02" iyz="0.001" izz="0.0225"',  # a rotated box
    ],
)
def test_physical_inertias_are_accepted_and_kept(write, tensor):
    robot = robojac.load(write(with_inertia(tensor, mass="2")))
    assert robot.model.inertias[1].mass == 2.0  # Pinocchio kept the link's inertial


def test_pinocchio_parser_lines_never_reach_stderr(write, capfd):
    """urdfdom prints 'Error:' lines on the C stderr for what it drops; robojac silences them."""
    text = arm().replace(
        '<link name="l2"/>',
        '<link name="l2"><visual><geometry><box size="1 1 1"/></geometry>'
        '<material name="m"><color rgba="nan 0 0 1"/></material></visual></link>',
    )
    robojac.load(write(text))
    assert capfd.readouterr().err == ""


def test_pinocchio_parser_errors_become_the_message(capfd):
    no_effort = arm().replace('effort="1" ', "")
    with pytest.raises(robojac.URDFError, match="limit has no effort"):
        robojac.loading._pinocchio_model(no_effort, "x.urdf")
    no_mass = arm().replace('<link name="l1"/>', '<link name="l1"><inertial><inertia ixx="1"/></inertial></link>')
    with pytest.raises(robojac.URDFError, match=r"could not read part of x\.urdf: Inertial element must have a mass"):
        robojac.loading._pinocchio_model(no_mass, "x.urdf")
    assert capfd.readouterr().err == ""


def test_mimic_targets_are_checked(write):
    def mimic(target: str, extra: str = "") -> str:
        return (
            arm()
            .replace("</robot>", f"{extra}</robot>")
            .replace(
                'velocity="1"/></joint>\n  <joint name="j2"',
                f'velocity="1"/><mimic joint="{target}"/></joint>\n  <joint name="j2"',
            )
        )

    fixed = mimic("j2")  # j1 mimics j2, a fixed joint
    with pytest.raises(robojac.URDFError, match="mimics 'j2', which is fixed"):
        robojac.load(write(fixed))
    loop = (
        arm()
        .replace('type="fixed"', 'type="revolute"')
        .replace(
            '<parent link="l1"/><child link="l2"/></joint>',
            '<parent link="l1"/><child link="l2"/><limit lower="-1" upper="1" effort="1" velocity="1"/>'
            '<mimic joint="j1"/></joint>',
        )
    )
    loop = loop.replace(
        'velocity="1"/></joint>\n  <joint name="j2"', 'velocity="1"/><mimic joint="j2"/></joint>\n  <joint name="j2"'
    )
    with pytest.raises(robojac.URDFError, match="j1 → j2 → j1"):
        robojac.load(write(loop))


def test_a_mimic_of_a_mimic_composes_and_a_mimic_on_a_fixed_joint_is_ignored():
    text = arm().replace(
        "</robot>",
        '<link name="a"/><link name="b"/>'
        '<joint name="ja" type="prismatic"><parent link="l1"/><child link="a"/><limit lower="-1" upper="1" effort="1" '
        'velocity="1"/><mimic joint="j1" multiplier="2" offset="0.1"/></joint>'
        '<joint name="jb" type="prismatic"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="1" '
        'velocity="1"/><mimic joint="ja" multiplier="-3" offset="0.5"/></joint>'
        '<joint name="jc" type="fixed"><parent link="l2"/><child link="c"/><mimic joint="j1"/></joint><link name="c"/>'
        "</robot>",
    )
    tree = robojac.urdf.parse(text, "t.urdf")
    leader, multiplier, offset = tree.mimic_leader("jb")
    assert leader == "j1" and multiplier == -6.0 and offset == pytest.approx(-3 * 0.1 + 0.5)
    assert tree.mimic_leader("j1") == ("j1", 1.0, 0.0) and tree.joints["jc"].mimic is None


def test_xacro_files_and_odd_paths(write, tmp_path):
    with pytest.raises(robojac.URDFError, match=r"xacro robot\.urdf\.xacro > robot\.urdf"):
        robojac.load(write('<robot xmlns:xacro="http://www.ros.org/wiki/xacro" name="r"/>', "robot.urdf.xacro"))
    target = write(arm())
    link = tmp_path / "link.urdf"
    link.symlink_to(target)
    assert robojac.load(link).joint_names == ("j1",)  # a symbolic link to a regular file is fine
    long_mesh = arm().replace(
        '<link name="l2"/>',
        f'<link name="l2"><visual><geometry><mesh filename="{"m" * 5000}.stl"/></geometry></visual></link>',
    )
    with pytest.warns(robojac.MeshWarning):
        robojac.load(write(long_mesh))


def _tree_urdf(joints: list[tuple[str, str, str, str]]) -> str:
    """A URDF of (joint, type, parent, child) rows, every link a point, every movable joint about z."""
    links = {"base"} | {c for *_, c in joints}
    body = "".join(f'<link name="{n}"/>' for n in sorted(links))
    for name, kind, parent, child in joints:
        limit = '<limit lower="-1" upper="1" effort="1" velocity="1"/>' if kind != "fixed" else ""
        body += (
            f'<joint name="{name}" type="{kind}"><parent link="{parent}"/><child link="{child}"/>'
            f'<origin xyz="0 0 0.1"/><axis xyz="0 0 1"/>{limit}</joint>'
        )
    return f'<robot name="t">{body}</robot>'


@pytest.mark.parametrize(
    ("extra", "tip", "words"),
    [
        # ROS UR: the wrist carries ee_link and flange → tool0 (both fixed): tool0 wins over ee_link
        ([("f0", "fixed", "l3", "ee_link"), ("f1", "fixed", "l3", "flange"), ("f2", "fixed", "flange", "tool0")],
         "tool0", "conventional tool frame 'tool0'"),
        # Franka: a hand with a TCP and two prismatic fingers (the deepest leaves): the TCP, not the hand
        ([("f0", "fixed", "l3", "hand"), ("f1", "fixed", "hand", "hand_tcp"), ("g1", "prismatic", "hand", "fl"),
          ("g2", "prismatic", "hand", "fr")], "hand_tcp", "'hand_tcp' at the end of the chain (rather than 'hand')"),
        # no conventional name: the leaf, as before, and the reason says no tool frame was found
        ([("f0", "fixed", "l3", "gripper")], "gripper", "no tool0, *_tcp or *_ee* frame"),
        # a tool frame off the end (on an earlier moving link) is not the end of the chain
        ([("f0", "fixed", "l1", "tool0"), ("f1", "fixed", "l3", "flange")], "flange", "leaf link"),
    ],
    ids=["ur-tool0", "franka-tcp", "no-tool-frame", "tool0-not-at-the-end"],
)  # fmt: skip
def test_the_default_tip_prefers_a_tool_frame_at_the_end_and_says_why(write, extra, tip, words):
    chain = [("j1", "revolute", "base", "l1"), ("j2", "revolute", "l1", "l2"), ("j3", "revolute", "l2", "l3")]
    robot = robojac.load(write(_tree_urdf(chain + extra), "t.urdf"))
    assert robot.tip == tip and words in robot.tip_reason and robot.tip_reason.startswith("no tip named")
    assert robojac.load(write(_tree_urdf(chain + extra), "t.urdf"), tip="l3").tip_reason == "named by the caller"
    assert robojac.load("ur5").tip_reason == "the bundled arm's tool frame"
