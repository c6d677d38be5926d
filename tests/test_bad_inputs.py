"""Runs the bad-input table (tests/bad_inputs.py): each row a clear RobojacError, never a crash."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import robojac
from robojac.cli import main

from bad_inputs import TABLE, Api, Cli, Env


@pytest.fixture
def env(tmp_path, robots) -> Env:
    return Env(tmp=tmp_path, panda=robots["panda"], planar=robots["planar_2r"])


@pytest.mark.parametrize("row", TABLE, ids=[row.id for row in TABLE])
def test_bad_input(row: Api | Cli, env: Env, capfd) -> None:
    if isinstance(row, Api):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", robojac.RobojacWarning)
            with pytest.raises(row.error) as info:
                row.call(env)
        assert row.phrase in str(info.value), f"message {str(info.value)!r} lacks {row.phrase!r}"
        assert isinstance(info.value, robojac.RobojacError)
        return
    argv = row.argv(env)
    if row.isolated:
        proc = subprocess.run(
            [sys.executable, "-m", "robojac", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        code, err = proc.returncode, proc.stderr
    else:
        code = main(argv)
        err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}; stderr: {err!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {err!r}"
    assert lines[0].startswith("robojac: error: ") and row.phrase in lines[0], lines[0]
