# robojac's public top level, declared once. Each line makes one name public; robojac/__init__.py
# reads this file to import the names lazily, and type checkers read it for their types.
# Keep it to what a user starts from: everything else lives in its module (robojac.wrench,
# robojac.dls, robojac.singularity, ...), each with its own __all__.

from . import collision as collision
from . import control as control
from . import dls as dls
from . import kinematics as kinematics
from . import pose as pose
from . import singularity as singularity
from . import statics as statics
from . import trajectory as trajectory
from . import viz as viz
from . import wrench as wrench
from .capacity import Capacity as Capacity
from .capacity import MaxForce as MaxForce
from .capacity import PayloadCheck as PayloadCheck
from .capacity import capacity_report as capacity_report
from .capacity import check_payload as check_payload
from .capacity import max_force as max_force
from .collision import CollisionModel as CollisionModel
from .control import CartesianImpedanceController as CartesianImpedanceController
from .control import JointPDController as JointPDController
from .control import OperationalSpaceController as OperationalSpaceController
from .control import ResolvedRateController as ResolvedRateController
from .ellipsoid import Ellipsoid as Ellipsoid
from .ellipsoid import force_ellipsoid as force_ellipsoid
from .ellipsoid import velocity_ellipsoid as velocity_ellipsoid
from .errors import ChainError as ChainError
from .errors import ExecutionError as ExecutionError
from .errors import FrameError as FrameError
from .errors import InputError as InputError
from .errors import MeshWarning as MeshWarning
from .errors import ModelError as ModelError
from .errors import PoseError as PoseError
from .errors import RobojacError as RobojacError
from .errors import RobojacWarning as RobojacWarning
from .errors import UnknownRobotError as UnknownRobotError
from .errors import URDFError as URDFError
from .errors import ViewerError as ViewerError
from .estimation import WrenchEstimate as WrenchEstimate
from .estimation import estimate_wrench as estimate_wrench
from .ik import IKBatchResult as IKBatchResult
from .ik import IKOptions as IKOptions
from .ik import IKResult as IKResult
from .ik import solve_ik as solve_ik
from .ik import solve_ik_batch as solve_ik_batch
from .kinematics import Configuration as Configuration
from .loading import bundled_robots as bundled_robots
from .loading import load as load
from .log import Log as Log
from .measures import manipulability as manipulability
from .measures import manipulability_gradient as manipulability_gradient
from .reachability import ReachabilityMap as ReachabilityMap
from .reachability import open_reachability_map as open_reachability_map
from .reachability import reachability_map as reachability_map
from .robot import Robot as Robot
from .simulate import ExternalWrench as ExternalWrench
from .simulate import VirtualWall as VirtualWall
from .simulate import simulate_dynamic as simulate_dynamic
from .simulate import simulate_kinematic as simulate_kinematic
from .singularity import JacobianMeasures as JacobianMeasures
from .singularity import PathScan as PathScan
from .singularity import SingularityReport as SingularityReport
from .singularity import analyze_jacobian as analyze_jacobian
from .singularity import scan_path as scan_path
from .singularity import singularity_report as singularity_report
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
from .trajectory import Reference as Reference
from .trajectory import TimeLaw as TimeLaw
from .trajectory import Trajectory as Trajectory
from .trajectory import Waypoints as Waypoints
from .uncertainty import PoseCovariance as PoseCovariance
from .uncertainty import pose_covariance as pose_covariance
from .viz import Viewer as Viewer

__version__: str
__all__: list[str]
