"""Inverse kinematics by damped least squares (Levenberg–Marquardt) on SE(3).

:func:`solve_ik` finds joint values ``q`` inside the limits whose tool pose matches a
target to within ``position_tolerance`` [m] and ``rotation_tolerance`` [rad]; its batch
twin :func:`solve_ik_batch` does the same for N targets. :class:`IKOptions` holds the
options and their defaults; :class:`IKResult` and :class:`IKBatchResult` are the answers.

The modules, each one job:

* :mod:`~robojac.ik.options`: :class:`IKOptions` and the checks of every input;
* :mod:`~robojac.ik.single`: :func:`solve_ik`, and each thread's solvers;
* :mod:`~robojac.ik.solver`: the iterations and attempts of one solve;
* :mod:`~robojac.ik.kernel`: the compiled algebra of one iteration;
* :mod:`~robojac.ik.seeds`: where attempts restart;
* :mod:`~robojac.ik.model`: the solver's view of a Robot's Pinocchio model;
* :mod:`~robojac.ik.batch`: :func:`solve_ik_batch` and its worker processes;
* :mod:`~robojac.ik.results`: :class:`IKResult` and :class:`IKBatchResult`.

``docs/inverse-kinematics.md`` gives the maths, the choices and how to read a failure.
"""

from __future__ import annotations

from .batch import solve_ik_batch
from .options import IKOptions
from .results import IKBatchResult, IKResult
from .single import solve_ik

__all__ = ["IKBatchResult", "IKOptions", "IKResult", "solve_ik", "solve_ik_batch"]
