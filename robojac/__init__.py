"""robojac: Jacobian-centred kinematics, IK, singularity analysis, statics and control
for robot arms, on top of Pinocchio.

Quick start::

    import robojac
    robot = robojac.load("panda")
    q = robot.neutral()
    T = robot.fk(q)                 # (4, 4) tool pose in the base frame
    J = robot.jacobian(q)           # (6, 7), rows [v; ω], base axes at the tool origin

Public names are imported on first use, so ``import robojac`` stays fast and the
viewer's dependencies load only when a viewer is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ChainError,
    FrameError,
    InputError,
    MeshWarning,
    ModelError,
    PoseError,
    RobojacError,
    RobojacWarning,
    UnknownRobotError,
    URDFError,
    ViewerError,
)
from .robot import Robot, bundled_robots, load

__version__ = "0.1.0"

# name -> module that defines it; each is imported on first attribute access.
_LAZY: dict[str, str] = {
    "pose": "robojac.pose",
    "Viewer": "robojac.viz",
    "viz": "robojac.viz",
    "statics": "robojac.statics",
    "gravity_torques": "robojac.statics",
    "joint_torques": "robojac.statics",
    "static_torques": "robojac.statics",
    "payload_torques": "robojac.statics",
    "Payload": "robojac.statics",
    "Contact": "robojac.statics",
    "wrench": "robojac.wrench",
    "force_at_point": "robojac.wrench",
    "pure_moment": "robojac.wrench",
    "transform_wrench": "robojac.wrench",
    "change_wrench_ref": "robojac.wrench",
    "estimate_wrench": "robojac.estimation",
    "WrenchEstimate": "robojac.estimation",
    "capacity": "robojac.capacity",
    "max_force": "robojac.capacity",
    "check_payload": "robojac.capacity",
    "capacity_report": "robojac.capacity",
    "MaxForce": "robojac.capacity",
    "PayloadCheck": "robojac.capacity",
    "pose_covariance": "robojac.uncertainty",
    "PoseCovariance": "robojac.uncertainty",
    "singularity": "robojac.singularity",
    "SingularityReport": "robojac.singularity",
    "JacobianMeasures": "robojac.singularity",
    "analyze_jacobian": "robojac.singularity",
    "singularity_report": "robojac.singularity",
    "manipulability": "robojac.singularity",
    "manipulability_gradient": "robojac.singularity",
    "scan_path": "robojac.singularity",
    "PathScan": "robojac.singularity",
    "SingularInterval": "robojac.singularity",
    "robust_step": "robojac.singularity",
    "damped_step": "robojac.singularity",
    "RobustStep": "robojac.singularity",
    "classify_ur_singularity": "robojac.singularity",
    "ur_singularity_margins": "robojac.singularity",
    "trajectory": "robojac.trajectory",
    "Line": "robojac.trajectory",
    "Circle": "robojac.trajectory",
    "Waypoints": "robojac.trajectory",
    "JointTrajectory": "robojac.trajectory",
    "Hold": "robojac.trajectory",
    "TimeLaw": "robojac.trajectory",
    "control": "robojac.control",
    "ResolvedRateController": "robojac.control",
    "CartesianImpedanceController": "robojac.control",
    "OperationalSpaceController": "robojac.control",
    "JointPDController": "robojac.control",
    "simulate_kinematic": "robojac.simulate",
    "simulate_dynamic": "robojac.simulate",
    "ExternalWrench": "robojac.simulate",
    "VirtualWall": "robojac.simulate",
    "Log": "robojac.log",
    "solve_ik": "robojac.ik",
    "solve_ik_batch": "robojac.ik",
    "IKResult": "robojac.ik",
    "IKBatchResult": "robojac.ik",
    "IKOptions": "robojac.ik",
}

if TYPE_CHECKING:
    from . import capacity as capacity
    from . import control as control
    from . import pose as pose
    from . import singularity as singularity
    from . import statics as statics
    from . import trajectory as trajectory
    from . import viz as viz
    from . import wrench as wrench
    from .capacity import MaxForce as MaxForce
    from .capacity import PayloadCheck as PayloadCheck
    from .capacity import capacity_report as capacity_report
    from .capacity import check_payload as check_payload
    from .capacity import max_force as max_force
    from .control import CartesianImpedanceController as CartesianImpedanceController
    from .control import JointPDController as JointPDController
    from .control import OperationalSpaceController as OperationalSpaceController
    from .control import ResolvedRateController as ResolvedRateController
    from .estimation import WrenchEstimate as WrenchEstimate
    from .estimation import estimate_wrench as estimate_wrench
    from .ik import IKBatchResult as IKBatchResult
    from .ik import IKOptions as IKOptions
    from .ik import IKResult as IKResult
    from .ik import solve_ik as solve_ik
    from .ik import solve_ik_batch as solve_ik_batch
    from .log import Log as Log
    from .simulate import ExternalWrench as ExternalWrench
    from .simulate import VirtualWall as VirtualWall
    from .simulate import simulate_dynamic as simulate_dynamic
    from .simulate import simulate_kinematic as simulate_kinematic
    from .singularity import JacobianMeasures as JacobianMeasures
    from .singularity import PathScan as PathScan
    from .singularity import RobustStep as RobustStep
    from .singularity import SingularInterval as SingularInterval
    from .singularity import SingularityReport as SingularityReport
    from .singularity import analyze_jacobian as analyze_jacobian
    from .singularity import classify_ur_singularity as classify_ur_singularity
    from .singularity import damped_step as damped_step
    from .singularity import manipulability as manipulability
    from .singularity import manipulability_gradient as manipulability_gradient
    from .singularity import robust_step as robust_step
    from .singularity import scan_path as scan_path
    from .singularity import singularity_report as singularity_report
    from .singularity import ur_singularity_margins as ur_singularity_margins
    from .statics import Contact as Contact
    from .statics import Payload as Payload
    from .statics import gravity_torques as gravity_torques
    from .statics import joint_torques as joint_torques
    from .statics import payload_torques as payload_torques
    from .statics import static_torques as static_torques
    from .trajectory import Circle as Circle
    from .trajectory import Hold as Hold
    from .trajectory import JointTrajectory as JointTrajectory
    from .trajectory import Line as Line
    from .trajectory import TimeLaw as TimeLaw
    from .trajectory import Waypoints as Waypoints
    from .uncertainty import PoseCovariance as PoseCovariance
    from .uncertainty import pose_covariance as pose_covariance
    from .viz import Viewer as Viewer
    from .wrench import change_wrench_ref as change_wrench_ref
    from .wrench import force_at_point as force_at_point
    from .wrench import pure_moment as pure_moment
    from .wrench import transform_wrench as transform_wrench


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'robojac' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.rsplit(".", 1)[-1] == name else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ChainError",
    "FrameError",
    "InputError",
    "MeshWarning",
    "ModelError",
    "PoseError",
    "RobojacError",
    "RobojacWarning",
    "Robot",
    "URDFError",
    "UnknownRobotError",
    "ViewerError",
    "bundled_robots",
    "load",
    *_LAZY,
]
