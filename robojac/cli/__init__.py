"""The ``robojac`` command: ``robojac SUBCOMMAND ROBOT [options]``.

Every subcommand lives in a module of this package that defines ``register(sub)``;
:data:`COMMANDS` lists them. Any error, usage errors included, is one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from ..errors import RobojacError, RobojacWarning

#: Modules of this package that add subcommands, in help order.
COMMANDS = [
    "robojac.cli.kinematics",
    "robojac.cli.ik",
    "robojac.cli.singularity",
    "robojac.cli.statics",
    "robojac.cli.simulate",
    "robojac.cli.view",
    "robojac.cli.demo",
]


class UsageError(RobojacError):
    """A command line that argparse rejected."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise instead of printing a usage block and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def add_robot_options(p: argparse.ArgumentParser, *, q: bool = True, frame: bool = True) -> None:
    """The options every robot subcommand shares."""
    p.add_argument("robot", help="bundled robot name (panda, ur5, iiwa14, planar_2r) or URDF path")
    p.add_argument("--base", help="base link (default: the URDF root)")
    p.add_argument("--tip", help="tip link (default: the robot's tool frame)")
    p.add_argument("--package-dir", action="append", default=[], help="folder for package:// meshes (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    if q:
        p.add_argument(
            "--q", type=float, nargs="+", help="joint values [rad or m], one per chain joint (default: neutral)"
        )
    if frame:
        p.add_argument("--frame", help="frame name (default: the tip)")


def load_robot(args: argparse.Namespace) -> Any:
    from ..robot import load

    return load(args.robot, base=args.base, tip=args.tip, package_dirs=args.package_dir)


def q_of(robot: Any, args: argparse.Namespace) -> np.ndarray:
    return robot.neutral() if args.q is None else robot.check_q(args.q)


def to_jsonable(obj: Any) -> Any:
    """Arrays as nested lists, inf and NaN as strings, so the JSON is strict."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else str(v)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def emit_json(obj: Any) -> None:
    print(json.dumps(to_jsonable(obj), indent=2, allow_nan=False))


def build_parser() -> Parser:
    parser = Parser(prog="robojac", description="Kinematics, IK, singularities, statics and control for robot arms.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def _doing(argv: Sequence[str] | None) -> str:
    """The command line, shortened for a one-line message: what robojac was doing."""
    words = ["robojac", *(sys.argv[1:] if argv is None else argv)]
    text = " ".join(words)
    return text if len(text) <= 160 else text[:157] + "..."


def _format_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    """A warning as one line for a command-line user: no source file, no code line."""
    text = " ".join(str(message).split())
    if issubclass(category, RobojacWarning):
        return f"robojac: warning: {text}\n"
    return f"robojac: warning: {category.__name__}: {text}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 success, 2 any error).

    Warnings print as one line each, "robojac: warning: ...", while it runs; the
    previous :func:`warnings.formatwarning` is put back afterwards.
    """
    # formatwarning, not showwarning: it changes only the text, so whoever records
    # warnings (pytest, a caller's catch_warnings(record=True)) still gets them.
    previous = warnings.formatwarning
    warnings.formatwarning = _format_warning
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = previous


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except MemoryError as exc:
        # The defence of last resort: an input too large for memory (a huge --duration, a
        # huge model) is still one line, never a traceback.
        detail = str(exc).splitlines()[0] if str(exc) else "an allocation failed"
        print(f"robojac: error: out of memory while running '{_doing(argv)}': {detail}", file=sys.stderr)
        return 2
    except RecursionError:
        print(
            f"robojac: error: input nested too deeply while running '{_doing(argv)}': Python's recursion limit "
            f"({sys.getrecursionlimit()}) was reached; expected a shallower input (e.g. a shorter joint chain)",
            file=sys.stderr,
        )
        return 2
    except RobojacError as exc:
        print(f"robojac: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("robojac: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except (OSError, ValueError) as exc:
        print(f"robojac: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def entry() -> NoReturn:
    sys.exit(main())
