"""Start-up of the ``robojac`` command: wall time of whole processes, as a user waits for them.

Measures, each as the median of ``--rounds`` fresh processes:

* ``import robojac`` alone (the floor every command pays);
* ``robojac fk panda``;
* ``robojac ik panda --target ...`` with the IK kernel already in numba's cache;

and, ``--cold`` times each (every one compiles, about 10 s):

* the first-ever ``robojac ik`` (an empty numba cache: it compiles the kernel);
* ``robojac warmup`` on an empty cache, then the first ``robojac ik`` after it.

"First-ever" is emulated by pointing ``NUMBA_CACHE_DIR`` at a new empty folder, which
numba then uses instead of the package's ``__pycache__``.

Run: .venv/bin/python benchmarks/cli_startup.py [--rounds 5] [--cold 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

IK = ["ik", "panda", "--target", "0.4", "0", "0.4", "0", "1", "0", "0"]


def wall(argv: list[str], env: dict[str, str]) -> float:
    """Seconds one process takes, start to exit."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def robojac(*args: str) -> list[str]:
    return [sys.executable, "-m", "robojac", *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="processes per warm measurement (default 5)")
    ap.add_argument("--cold", type=int, default=1, help="repeats of each first-ever measurement (default 1; 0 skips)")
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("NUMBA_CACHE_DIR", None)
    subprocess.run(robojac("warmup"), env=env, check=True, stdout=subprocess.DEVNULL)  # the warm rows' cache
    rows = {
        "python -c 'import robojac'": [sys.executable, "-c", "import robojac"],
        "robojac fk panda": robojac("fk", "panda"),
        "robojac ik panda (kernel cached)": robojac(*IK),
    }
    print(f"{'command':<44} {'median wall [s]':>16}")
    for name, argv in rows.items():
        times = [wall(argv, env) for _ in range(args.rounds)]
        print(f"{name:<44} {statistics.median(times):>16.2f}")
    for _ in range(args.cold):
        with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as warmed:
            first = wall(robojac(*IK), {**env, "NUMBA_CACHE_DIR": cold})
            w = wall(robojac("warmup"), {**env, "NUMBA_CACHE_DIR": warmed})
            after = wall(robojac(*IK), {**env, "NUMBA_CACHE_DIR": warmed})
        print(f"{'first-ever robojac ik, no warmup':<44} {first:>16.2f}")
        print(f"{'robojac warmup (empty cache)':<44} {w:>16.2f}")
        print(f"{'first robojac ik after warmup':<44} {after:>16.2f}")


if __name__ == "__main__":
    main()
