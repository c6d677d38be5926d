"""The ``robojac`` command: ``robojac SUBCOMMAND ROBOT [options]``.

Every subcommand lives in a module of this package that defines ``register(sub)`` and
its handlers; :data:`COMMANDS` lists them. They share :mod:`.common` (robot options,
loading, JSON output) and :mod:`.format` (all text). Any error, usage errors included,
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from ..errors import RobojacError, RobojacWarning
from .common import add_robot_options, emit_json, load_robot, q_of, to_jsonable

__all__ = [
    "COMMANDS",
    "add_robot_options",
    "build_parser",
    "emit_json",
    "entry",
    "load_robot",
    "main",
    "q_of",
    "to_jsonable",
]

#: Modules of this package that add subcommands, in help order.
COMMANDS = [
    "robojac.cli.kinematics",
    "robojac.cli.ik",
    "robojac.cli.collide",
    "robojac.cli.reachmap",
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
