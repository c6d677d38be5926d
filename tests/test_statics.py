"""Joint torques from wrenches, gravity and payloads, against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.pose import inverse, log6
from robojac.statics import (
    Contact,
    Payload,
    gravity_torques,
    gravity_vector,
    joint_torques,
    payload_torques,
    static_torques,
)

REFS = ("local", "world", "local_world_aligned")
L1, L2 = 0.5, 0.4


def fd_twist(robot: robojac.Robot, q: np.ndarray, dq: np.ndarray, ref: str, h: float = 1e-6) -> np.ndarray:
    """The tool twist for joint velocity dq, by central differences of fk only (no Jacobian)."""
    T = robot.fk(q)
    Tp, Tm = robot.fk(q + h * dq), robot.fk(q - h * dq)
    if ref == "local":
        return (log6(inverse(T) @ Tp) - log6(inverse(T) @ Tm)) / (2 * h)
    if ref == "world":
        return (log6(Tp @ inverse(T)) - log6(Tm @ inverse(T))) / (2 * h)
    v = (Tp[:3, 3] - Tm[:3, 3]) / (2 * h)
    w = (pin.log3(Tp[:3, :3] @ T[:3, :3].T) - pin.log3(Tm[:3, :3] @ T[:3, :3].T)) / (2 * h)
    return np.r_[v, w]


@pytest.mark.parametrize("name", ["planar_2r", "ur5", "panda", "iiwa14"])
@pytest.mark.parametrize("ref", REFS)
def test_power_balance(robots: dict[str, robojac.Robot], name: str, ref: str) -> None:
    # τ·q̇ = w·V, with V measured from fk alone, for random q, q̇ and w.
    robot = robots[name]
    rng = np.random.default_rng(hash((name, ref)) % 2**32)
    for _ in range(4):
        q = robot.random_configuration(rng)
        dq, w = rng.normal(size=robot.dof), rng.normal(size=6)
        tau = joint_torques(robot, q, w, ref=ref)
        power = w @ fd_twist(robot, q, dq, ref)
        assert tau @ dq == pytest.approx(power, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", ["planar_2r", "ur5", "panda", "iiwa14"])
def test_gravity_matches_rnea_at_rest(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(10)
    zero = np.zeros(robot.model.nv)
    for _ in range(5):
        q = robot.random_configuration(rng)
        rnea = pin.rnea(robot.model, robot.model.createData(), robot.to_pinocchio(q), zero, zero)
        np.testing.assert_allclose(gravity_torques(robot, q), rnea, atol=1e-10)


@pytest.mark.parametrize("name", ["ur5", "panda"])
def test_gravity_is_the_gradient_of_potential_energy(robots: dict[str, robojac.Robot], name: str) -> None:
    # U(q) = −M g·c(q) with c the centre of mass; g(q) = ∂U/∂q, by central differences.
    robot = robots[name]
    q = robot.random_configuration(11)
    model, data = robot.model, robot.model.createData()

    def U(qq: np.ndarray) -> float:
        com = pin.centerOfMass(model, data, robot.to_pinocchio(qq))
        return -data.mass[0] * float(model.gravity.linear @ com)  # mass[0]: the moving bodies

    h = 1e-6
    grad = [(U(q + h * e) - U(q - h * e)) / (2 * h) for e in np.eye(robot.dof)]
    np.testing.assert_allclose(gravity_torques(robot, q), grad, atol=1e-6)


def test_planar_2r_closed_form_wrench(robots: dict[str, robojac.Robot]) -> None:
    arm = robots["planar_2r"]
    rng = np.random.default_rng(12)
    for _ in range(10):
        q1, q2 = rng.uniform(-math.pi, math.pi, 2)
        fx, fy, _, _, _, mz = w = rng.normal(size=6)
        s1, c1, s12, c12 = math.sin(q1), math.cos(q1), math.sin(q1 + q2), math.cos(q1 + q2)
        tau1 = -(L1 * s1 + L2 * s12) * fx + (L1 * c1 + L2 * c12) * fy + mz
        tau2 = -L2 * s12 * fx + L2 * c12 * fy + mz
        np.testing.assert_allclose(joint_torques(arm, [q1, q2], w), [tau1, tau2], atol=1e-12)


def test_planar_2r_closed_form_gravity(robots: dict[str, robojac.Robot]) -> None:
    arm = robots["planar_2r"]
    # The URDF's links: 1 kg at 0.25 m on link 1, 0.8 kg at 0.2 m on link 2 (urdf/generate.py).
    (m1, m2), (c1x, c2x) = (arm.model.inertias[1].mass, arm.model.inertias[2].mass), (0.25, 0.2)
    assert (m1, m2) == pytest.approx((1.0, 0.8))
    np.testing.assert_allclose(arm.model.inertias[1].lever, [c1x, 0, 0], atol=1e-12)
    np.testing.assert_allclose(arm.model.inertias[2].lever, [c2x, 0, 0], atol=1e-12)
    # With the default gravity (−z) and joints about z, gravity does no work on the joints.
    np.testing.assert_allclose(gravity_torques(arm, [0.3, 1.1]), [0, 0], atol=1e-12)
    # Tilt the plane: gravity along −y (9.81 m/s²) gives the textbook closed form.
    g = 9.81
    for q1, q2 in [(0.0, 0.0), (0.3, 1.1), (-2.0, 0.7)]:
        tau1 = g * ((m1 * c1x + m2 * L1) * math.cos(q1) + m2 * c2x * math.cos(q1 + q2))
        tau2 = g * m2 * c2x * math.cos(q1 + q2)
        np.testing.assert_allclose(gravity_torques(arm, [q1, q2], gravity=[0, -g, 0]), [tau1, tau2], atol=1e-12)
    # the model is left as it was
    np.testing.assert_allclose(arm.model.gravity.linear, [0, 0, -9.81])
    np.testing.assert_allclose(gravity_vector(arm), [0, 0, -9.81])


# The published link masses cited in urdf/README.md ("Inertial data"), joint 1 → tip. Without
# them every gravity test above would pass on a massless arm (RNEA and g(q) both zero).
PUBLISHED_MASSES = {
    "planar_2r": [1.0, 0.8],
    "ur5": [3.7, 8.393, 2.33, 1.219, 1.219, 0.1879],
    # Gaz et al. 2019; link 7 carries the hand (0.73 kg) and two 15 g fingers, merged by Pinocchio
    "panda": [4.970684, 0.646926, 3.228604, 3.587895, 1.225946, 1.666555, 0.735522 + 0.73 + 2 * 0.015],
    "iiwa14": [5.76, 6.35, 3.5, 3.5, 3.5, 1.8, 1.2],
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_MASSES))
def test_bundled_arms_carry_the_published_masses(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    masses = [robot.model.inertias[j].mass for j in range(1, robot.model.njoints)]
    # generate.py writes masses with 6 significant figures (4.970684 -> 4.97068): a few ppm
    np.testing.assert_allclose(masses, PUBLISHED_MASSES[name], rtol=1e-5)
    for j in range(1, robot.model.njoints):
        # a physical rotational inertia: positive definite, triangle inequality on principal moments
        moments = np.linalg.eigvalsh(robot.model.inertias[j].inertia)
        assert moments.min() > 0 and 2 * moments.max() <= moments.sum() * (1 + 1e-9)
    # and they load the joints: at a stretched pose every arm but the planar one feels its weight
    if name != "planar_2r":
        q = robot.neutral()
        q[1] += 0.5
        assert np.abs(gravity_torques(robot, q)).max() > 1.0


def model_with_payload(robot: robojac.Robot, payload: Payload) -> tuple[pin.Model, pin.Data]:
    """A copy of the model with the payload's mass rigidly added to its frame's body."""
    model = robot.model.copy()
    frame = model.frames[robot.frame_id(payload.frame)]
    body = pin.Inertia(payload.mass, np.array(payload.com), np.zeros((3, 3)))
    model.inertias[frame.parentJoint] = model.inertias[frame.parentJoint] + frame.placement.act(body)
    return model, model.createData()


@pytest.mark.parametrize("name", ["ur5", "panda", "iiwa14"])
def test_payload_torques_equal_a_heavier_model(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(13)
    for frame in (None, robot.joint_names[-2]):
        pl = Payload(2.5, rng.normal(size=3) * 0.05, frame)
        model, data = model_with_payload(robot, pl)
        q = robot.random_configuration(rng)
        heavier = pin.computeGeneralizedGravity(model, data, robot.to_pinocchio(q))
        np.testing.assert_allclose(payload_torques(robot, q, pl), heavier - gravity_torques(robot, q), atol=1e-10)
        np.testing.assert_allclose(static_torques(robot, q, payload=pl), heavier, atol=1e-10)


def test_bare_mass_is_a_payload_at_the_tip(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    q = robot.random_configuration(14)
    np.testing.assert_allclose(payload_torques(robot, q, 3.0), payload_torques(robot, q, Payload(3.0)))
    # a payload's torques scale with the mass and with g
    np.testing.assert_allclose(
        payload_torques(robot, q, 3.0, gravity=[0, 0, -1.62]), payload_torques(robot, q, 1.0) * 3.0 * 1.62 / 9.81
    )


def test_static_torques_add_up(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(15)
    q, w = robot.random_configuration(rng), rng.normal(size=6)
    total = static_torques(robot, q, wrench=w, ref="local", payload=1.5)
    parts = gravity_torques(robot, q) + payload_torques(robot, q, 1.5) + joint_torques(robot, q, w, ref="local")
    np.testing.assert_allclose(total, parts)
    np.testing.assert_allclose(static_torques(robot, q, wrench=w, include_gravity=False), joint_torques(robot, q, w))
    np.testing.assert_allclose(static_torques(robot, q), gravity_torques(robot, q))


def test_several_contacts_sum(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(16)
    q = robot.random_configuration(rng)
    w1, w2 = rng.normal(size=6), rng.normal(size=6)
    each = robot.jacobian(q, "panda_link4").T @ w1 + robot.jacobian(q, None, "local").T @ w2
    both = joint_torques(robot, q, [Contact(w1, "panda_link4"), Contact(w2, None, "local")])
    np.testing.assert_allclose(both, each, atol=1e-12)
    as_dict = joint_torques(robot, q, {"panda_link4": w1, robot.tip: w1})
    np.testing.assert_allclose(as_dict, (robot.jacobian(q, "panda_link4") + robot.jacobian(q)).T @ w1, atol=1e-12)
    # a contact on link 4 cannot load the joints beyond it
    np.testing.assert_allclose(joint_torques(robot, q, w1, "panda_link4")[4:], 0, atol=1e-12)


def test_bad_input(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = robot.neutral()
    with pytest.raises(robojac.InputError, match="6 entries"):
        joint_torques(robot, q, [1.0, 2.0, 3.0])
    with pytest.raises(robojac.InputError, match="finite"):
        joint_torques(robot, q, [0, 0, np.nan, 0, 0, 0])
    with pytest.raises(robojac.InputError, match=">= 0"):
        Payload(-1.0)
    with pytest.raises(robojac.InputError, match=">= 0"):
        static_torques(robot, q, payload=-0.5)
    with pytest.raises(robojac.InputError, match="kilograms"):
        Payload("heavy")  # type: ignore[arg-type]
    with pytest.raises(robojac.InputError, match="com"):
        Payload(1.0, [0.0, 0.1])
    with pytest.raises(robojac.InputError, match="gravity"):
        gravity_torques(robot, q, gravity=[0, -9.81])
    with pytest.raises(robojac.InputError, match="not both"):
        joint_torques(robot, q, {"tool0": np.zeros(6)}, frame="tool0")
    with pytest.raises(robojac.FrameError):
        joint_torques(robot, q, np.zeros(6), frame="no_such_link")
    with pytest.raises(robojac.FrameError):
        joint_torques(robot, q, np.zeros(6), ref="body")
    with pytest.raises(robojac.InputError, match="shape"):
        joint_torques(robot, q[:3], np.zeros(6))
    with pytest.raises(robojac.InputError, match="None"):
        payload_torques(robot, q, None)  # type: ignore[arg-type]


def test_a_base_below_the_root_keeps_gravity_physical(robots: dict[str, robojac.Robot]) -> None:
    # A chain that starts at panda_link2 (joints 1-2 locked at 0): gravity still points down
    # the URDF root's −z, which is +y in link 2's axes; torques match the whole arm's.
    panda = robots["panda"]
    sub = robojac.load("panda", base="panda_link2")
    q = panda.random_configuration(17)
    q[:2] = 0.0
    R_base = panda.fk(q, "panda_link2")[:3, :3]
    np.testing.assert_allclose(gravity_vector(sub), R_base.T @ [0, 0, -9.81], atol=1e-12)
    whole = gravity_torques(panda, q)[2:]
    np.testing.assert_allclose(gravity_torques(sub, q[2:]), whole, atol=1e-10)
    np.testing.assert_allclose(gravity_torques(sub, q[2:], gravity=R_base.T @ [0, 0, -9.81]), whole, atol=1e-10)
    np.testing.assert_allclose(payload_torques(sub, q[2:], 2.0), payload_torques(panda, q, 2.0)[2:], atol=1e-10)


def test_cli_torque(capsys: pytest.CaptureFixture[str], robots: dict[str, robojac.Robot]) -> None:
    import json

    from robojac.cli import main

    robot = robots["ur5"]
    q = [0.1, -1.0, 1.2, -0.5, 0.7, 0.2]
    w = [1.0, -2.0, 30.0, 0.5, 0.0, -0.3]
    argv = ["torque", "ur5", "--q", *map(str, q), "--wrench", *map(str, w), "--payload", "2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    expected = static_torques(robot, q, wrench=w, payload=Payload(2.0))
    np.testing.assert_allclose(out["torques"]["total"], expected, atol=1e-9)
    np.testing.assert_allclose(out["torques"]["payload"], payload_torques(robot, q, 2.0), atol=1e-9)
    assert main(["torque", "ur5", "--q", *map(str, q), "--ref", "local", "--wrench", *map(str, w), "--no-gravity"]) == 0
    text = capsys.readouterr().out
    first = joint_torques(robot, q, w, ref="local")[0]
    assert f"{first:+.3f}" in text and "over the effort limit: none" in text
    assert main(["torque", "ur5", "--wrench", "1", "2", "3"]) == 2
    assert main(["torque", "ur5", "--payload", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and ">= 0" in err
    # a bad --ref is an error even without --wrench (the JSON would echo it as if valid)
    assert main(["torque", "ur5", "--ref", "body", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unknown ref" in captured.err


def test_cli_capacity(capsys: pytest.CaptureFixture[str], robots: dict[str, robojac.Robot]) -> None:
    import json

    from robojac.capacity import check_payload, max_force
    from robojac.cli import main

    robot = robots["panda"]
    assert main(["capacity", "panda", "--direction", "0", "0", "-2", "--payload", "1.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    q = robot.neutral()
    assert out["max_force"][0]["force"] == pytest.approx(max_force(robot, q, [0, 0, -1], payload=1.5).force)
    held = check_payload(robot, q, 1.5)
    assert out["payload"]["ok"] == held.ok and out["payload"]["max_mass"] == pytest.approx(held.max_mass)
    assert len(out["force_ellipsoid"]["radii"]) == 3
    assert main(["capacity", "panda", "--payload", "1.5"]) == 0
    text = capsys.readouterr().out
    assert "can it hold 1.5 kg here? yes" in text and "heaviest payload" in text
    assert main(["capacity", "panda", "--direction", "0", "0", "0"]) == 2
    assert "non-zero" in capsys.readouterr().err
    # a planar arm's weight (along −z) loads no joint: no mass bound, and a lost force direction
    assert main(["capacity", "planar_2r", "--q", "0.3", "0.9", "--direction", "0", "0", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["max_force"][0]["force"] is None and out["payload"]["max_mass"] is None  # null: unbounded
    assert main(["capacity", "planar_2r", "--q", "0.3", "0.9"]) == 0
    assert "heaviest payload it can hold here: unbounded" in capsys.readouterr().out


def test_strong_gravity_and_heavy_payload_within_bounds_scale_linearly(robots) -> None:
    from robojac.statics import MAX_GRAVITY, MAX_PAYLOAD_MASS

    robot = robots["panda"]
    q = robot.random_configuration(3)
    g = np.array([0.0, 0.0, -9.81])
    strong = gravity_torques(robot, q, g * (MAX_GRAVITY / 9.81))
    np.testing.assert_allclose(strong, gravity_torques(robot, q, g) * (MAX_GRAVITY / 9.81), rtol=1e-12, atol=1e-9)
    heavy = payload_torques(robot, q, Payload(MAX_PAYLOAD_MASS, (0.0, 0.0, 0.1)))
    one_kg = payload_torques(robot, q, Payload(1.0, (0.0, 0.0, 0.1)))
    np.testing.assert_allclose(heavy, one_kg * MAX_PAYLOAD_MASS, rtol=1e-12, atol=1e-9 * MAX_PAYLOAD_MASS)
