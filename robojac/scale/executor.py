"""The executor contract: chunks of work on any ``concurrent.futures.Executor``.

robojac needs only ``executor.submit(fn, *args)`` returning a future with ``result()``
(and ``concurrent.futures.wait`` on those futures): a :class:`ProcessPoolExecutor`
(:func:`local_pool`), Dask's ``Client.get_executor()`` (:func:`connect`), Ray's or
mpi4py's pools. A chunk's result depends only on its inputs and seeds, so where it runs,
in which order, and how often it is retried never changes the answer.

The robot travels as a :class:`Parcel`: pickled once (its URDF text, about 10 kB) and
rebuilt once per worker process, where it is kept for every later chunk.

A worker that dies is the engine's to retry. Dask does; a ``ProcessPoolExecutor`` breaks
instead, so when robojac owns the pool (``workers=N``) :func:`run_local` replaces it and
reruns the unfinished chunks.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import functools
import hashlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import InputError
from ..robot import Robot

#: How often [s] a worker checks that its parent is alive, where prctl is not available.
PARENT_POLL = 0.5
#: Linux's prctl option that sends the calling process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1
#: Tries of one chunk before it is recorded as failed (the engine's own retries, of a
#: worker that died, come on top).
TRIES = 2
#: Seconds :func:`connect` waits for a Dask scheduler.
CONNECT_TIMEOUT = 10.0
#: Seconds to let a broken pool settle the futures it fails.
BROKEN_WAIT = 10.0

#: Robots rebuilt in this (worker) process, by Parcel key: each is unpickled once.
_ROBOTS: dict[str, Robot] = {}
_ROBOTS_LOCK = threading.Lock()


class Parcel:
    """A :class:`Robot` pickled once, rebuilt at most once per process that receives it.

    ``key`` is the SHA-256 of the pickled robot (its URDF text, base and tip), so two
    parcels of the same robot share one rebuilt copy in a worker, and a store can tell
    which robot wrote it.
    """

    def __init__(self, robot: Robot) -> None:
        self.data = pickle.dumps(robot)
        self.key = hashlib.sha256(self.data).hexdigest()
        self._robot: Robot | None = robot

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data, self.key, self._robot = state["data"], state["key"], None

    def robot(self) -> Robot:
        """The robot: the original in the sending process, else this process's rebuilt copy."""
        if self._robot is not None:
            return self._robot
        with _ROBOTS_LOCK:
            robot = _ROBOTS.get(self.key)
            if robot is None:
                robot = _ROBOTS[self.key] = pickle.loads(self.data)
        self._robot = robot
        return robot


def robot_key(robot: Robot) -> str:
    """The SHA-256 that identifies ``robot`` (its URDF text, base and tip)."""
    return hashlib.sha256(pickle.dumps(robot)).hexdigest()


def local_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of ``workers`` processes (at most the CPU count) that exit with this process.

    The executor ``workers=N`` stands for; pass it as ``executor=`` to share one pool
    between calls. Shut it down (``with local_pool(2) as ex: ...``) when done.
    """
    n = max(1, min(workers, os.cpu_count() or workers))
    return concurrent.futures.ProcessPoolExecutor(max_workers=n, initializer=worker_start, initargs=(os.getpid(),))


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A Dask ``distributed.Client`` connected to the scheduler at ``address`` (``tcp://host:port``).

    Its ``get_executor()`` is the executor to pass on. Needs the ``robojac[distributed]`` extra.

    Raises:
        InputError: Dask is not installed, or no scheduler answered at ``address`` within ``timeout`` [s].
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise InputError(
            "a Dask scheduler needs the 'distributed' package: pip install 'robojac[distributed]'"
        ) from exc
    if not isinstance(address, str) or not address:
        raise InputError(f"the scheduler address must be a string like 'tcp://host:8786', got {address!r}")
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach a Dask scheduler at {address!r} within {timeout:g} s ({type(exc).__name__}: {exc}); "
            "start one with 'dask scheduler' and check the address and port"
        ) from exc


def dashboard_link(executor: Any) -> str | None:
    """The dashboard address of a Dask ``ClientExecutor``'s client, else None."""
    client = getattr(executor, "_client", None)
    link = getattr(client, "dashboard_link", None)
    return link if isinstance(link, str) else None


def run_chunks(
    executor: concurrent.futures.Executor,
    fn: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    on_result: Callable[[int, Any], None],
    on_failure: Callable[[int, str], None],
) -> None:
    """Submit ``fn(attempt, *jobs[i])`` for every i on the caller's ``executor``; pass each
    result to ``on_result(i, value)`` as it arrives.

    A chunk whose future raises is submitted once more (``attempt`` 1; the argument keeps
    Dask from answering with the cached failure); failing :data:`TRIES` times it goes to
    ``on_failure(i, reason)``. A worker that dies is the engine's to retry (Dask does).
    An executor that breaks instead (a ``ProcessPoolExecutor`` whose worker was killed)
    cannot be repaired from here: every chunk it had not finished goes to ``on_failure``
    with that reason, to be recomputed by a later run. An interrupt (Ctrl-C) cancels what
    is pending and propagates.
    """
    attempts = [0] * len(jobs)
    broken = _run(executor, fn, jobs, range(len(jobs)), attempts, on_result, on_failure)
    if broken is not None:
        left, exc = broken
        for i in left:
            on_failure(i, f"not computed: the executor broke ({_reason(exc)})")


def run_local(
    workers: int,
    fn: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    on_result: Callable[[int, Any], None],
    on_failure: Callable[[int, str], None],
) -> None:
    """:func:`run_chunks` on a :func:`local_pool` of ``workers`` processes that robojac owns,
    so that it can stand in for the engine when a worker dies.

    A ``ProcessPoolExecutor`` whose worker dies is broken for good: every pending future
    fails. The pool is then replaced and the unfinished chunks go to the new one. The
    chunks that had started (each worker marks its chunk in shared memory as it begins),
    one of which took its worker down, count an attempt each and are rerun one at a time,
    alone in the pool, so that a second death is that chunk's alone: it is then recorded
    failed (with the reason) and not rerun, while the others complete. The chunks that
    had not started are resubmitted as they were.
    """
    started = multiprocessing.get_context().Array("b", max(1, len(jobs)), lock=False)
    attempts = [0] * len(jobs)
    tracked = functools.partial(_tracked, fn)
    numbered = [(i, *job) for i, job in enumerate(jobs)]

    def pool() -> concurrent.futures.ProcessPoolExecutor:
        n = max(1, min(workers, os.cpu_count() or workers))
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=n, initializer=_tracked_worker_start, initargs=(os.getpid(), started)
        )

    def replace(old: concurrent.futures.ProcessPoolExecutor) -> concurrent.futures.ProcessPoolExecutor:
        old.shutdown(wait=True, cancel_futures=True)
        return pool()

    ex = pool()
    todo: list[int] = list(range(len(jobs)))
    try:
        while todo:
            for i in todo:
                started[i] = 0
            broken = _run(ex, tracked, numbered, todo, attempts, on_result, on_failure)
            if broken is None:
                break
            left, exc = broken
            ex = replace(ex)
            suspects = [i for i in left if started[i]]
            todo = [i for i in left if not started[i]]
            for i in suspects:
                attempts[i] += 1
                while attempts[i] < TRIES:
                    started[i] = 0
                    alone = _run(ex, tracked, numbered, [i], attempts, on_result, on_failure)
                    if alone is None:
                        break
                    exc = alone[1]
                    ex = replace(ex)
                    attempts[i] += 1
                else:
                    on_failure(i, f"its worker process died while solving it ({_reason(exc)})")
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


#: The shared "chunk started" flags of a pool of :func:`run_local`, in its worker processes.
_STARTED: Any = None


def _tracked_worker_start(parent: int, started: Any) -> None:
    global _STARTED
    _STARTED = started
    worker_start(parent)


def _tracked(fn: Callable[..., Any], attempt: int, i: int, *job: Any) -> Any:
    """``fn(attempt, *job)`` in a worker of :func:`run_local`, marking chunk ``i`` started."""
    _STARTED[i] = 1
    return fn(attempt, *job)


def _run(
    executor: concurrent.futures.Executor,
    fn: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    todo: Iterable[int],
    attempts: list[int],
    on_result: Callable[[int, Any], None],
    on_failure: Callable[[int, str], None],
) -> tuple[list[int], BaseException] | None:
    """Run chunks ``todo`` with one retry each; None when all ended, or, when the executor
    broke, the chunks it left unfinished and the exception that told."""
    pending: dict[concurrent.futures.Future[Any], int] = {}

    def submit(i: int) -> None:
        pending[executor.submit(fn, attempts[i], *jobs[i])] = i

    def broke(exc: BaseException, first: list[int]) -> tuple[list[int], BaseException]:
        # The pool fails every pending future at once; a chunk that finished before the
        # break still counts.
        concurrent.futures.wait(list(pending), timeout=BROKEN_WAIT)
        left = list(first)
        for fut, i in pending.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                on_result(i, fut.result())
            else:
                fut.cancel()
                left.append(i)
        pending.clear()
        return left, exc

    queue = list(todo)
    for n, i in enumerate(queue):
        try:
            submit(i)
        except concurrent.futures.BrokenExecutor as exc:
            return broke(exc, queue[n:])
        except Exception as exc:  # a shut-down executor
            on_failure(i, _reason(exc))
    try:
        while pending:
            done, _ = concurrent.futures.wait(list(pending), return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                try:
                    value = fut.result()
                except concurrent.futures.BrokenExecutor as exc:
                    return broke(exc, [i])
                except Exception as exc:  # the chunk's own error, a lost worker, a cancelled future
                    attempts[i] += 1
                    if attempts[i] < TRIES:
                        try:
                            submit(i)
                        except concurrent.futures.BrokenExecutor as broken:
                            return broke(broken, [i])
                        except Exception as again:
                            on_failure(i, _reason(again))
                    else:
                        on_failure(i, _reason(exc))
                else:
                    on_result(i, value)
    finally:
        for fut in pending:
            fut.cancel()
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def worker_start(parent: int) -> None:
    """Set up a worker process so that it ends with its parent ``parent`` (a process id).

    A parent killed by SIGKILL or SIGTERM cannot shut its pool down, and its workers
    would go on solving for nobody. On Linux the kernel sends each worker SIGTERM when
    the parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a second line, a
    daemon thread exits the worker once its parent process id changes (an orphan is
    adopted by another process).
    """
    # A SIGTERM handler inherited from the parent (which may ignore the signal, or run
    # its own shutdown code) has no business in a worker; Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the thread below still works
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="robojac-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def progress_bar(total: int, desc: str, unit: str = "solve") -> Any:
    """A tqdm bar on stderr with rate and ETA."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, file=sys.stderr, desc=desc, leave=False, smoothing=0.1)
