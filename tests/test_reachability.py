"""Reachability maps and batch IK on a real Dask LocalCluster: equality, a killed worker, resume.

The cluster is real (two worker processes on 127.0.0.1 under nannies); nothing is mocked.
Maps are tiny (coarse voxels, few orientations) because the test machine is small.
"""

from __future__ import annotations

import concurrent.futures
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import robojac
from robojac import IKOptions, open_reachability_map, reachability_map, solve_ik_batch
from robojac.reachability import orientation_set
from robojac.scale.executor import Parcel
from robojac.scale.store import WRITTEN

distributed = pytest.importorskip("distributed")
pytest.importorskip("zarr")

#: A small Panda map: 0.3 m voxels (8³ = 512, about half inside the reach ball) × 4 orientations.
SMALL = dict(resolution=0.3, orientations=4, chunk=2, progress=False)


#: A map that runs a few seconds, in chunks of one voxel: time to kill or interrupt it.
SLOW = dict(resolution=0.3, orientations=4, chunk=1, progress=False, options=IKOptions(timeout=None, max_restarts=8))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def slow_map(panda: robojac.Robot) -> robojac.ReachabilityMap:
    return reachability_map(panda, **SLOW)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def small_map(panda: robojac.Robot) -> robojac.ReachabilityMap:
    """The reference: computed in this process."""
    return reachability_map(panda, **SMALL)  # type: ignore[arg-type]


def test_orientation_set_is_rotations_spread_over_so3() -> None:
    R = orientation_set(32)
    assert R.shape == (32, 3, 3)
    assert np.allclose(np.einsum("nji,njk->nik", R, R), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(R), 1.0)
    # Geodesic distances: no two alike, and every rotation of a random sample lies close
    # to one of the set (a clumped set would leave holes of about π).
    cos = (np.einsum("aij,bij->ab", R, R) - 1) / 2
    off = np.arccos(np.clip(cos[~np.eye(32, dtype=bool)], -1, 1))
    assert off.min() > 0.3
    rng = np.random.default_rng(0)
    samples = Rotation.random(200, random_state=rng).as_matrix()
    nearest = [np.arccos(np.clip((np.einsum("ij,nij->n", S, R) - 1) / 2, -1, 1)).min() for S in samples]
    assert max(nearest) < 1.3


def test_map_contents(small_map: robojac.ReachabilityMap, panda: robojac.Robot) -> None:
    m = small_map
    n = len(m.orientations) if m.orientations is not None else 1
    assert m.complete and m.shape == (8, 8, 8) and m.q.shape == (8, 8, 8, n, panda.dof)
    assert np.array_equal(m.index, m.success.mean(axis=-1))
    assert 0 < (m.index > 0).sum() < m.voxel_count
    # Every recorded solution puts the tool at its voxel centre in its orientation.
    centers = m.centers()
    for idx in list(zip(*np.nonzero(m.success)))[:20]:
        T = panda.fk(m.q[idx])
        assert np.allclose(T[:3, 3], centers[idx[:3]], atol=1e-5)
        assert m.orientations is not None
        assert np.allclose(T[:3, :3], m.orientations[idx[3]], atol=1e-5)
    reached = m.index > 0
    assert np.isfinite(m.manipulability[reached]).all() and np.isnan(m.manipulability[~reached]).all()
    assert np.isnan(m.q[~m.success]).all()


def test_map_on_a_local_cluster_equals_one_process(
    client: Any, small_map: robojac.ReachabilityMap, panda: robojac.Robot, tmp_path: Path
) -> None:
    m = reachability_map(panda, executor=client.get_executor(), store=tmp_path / "m.zarr", **SMALL)  # type: ignore[arg-type]
    assert m.complete and m.equals(small_map)
    again = open_reachability_map(tmp_path / "m.zarr")
    assert again.complete and again.equals(small_map)


def test_batch_on_a_local_cluster_equals_one_process(client: Any, panda: robojac.Robot) -> None:
    rng = np.random.default_rng(3)
    Ts = np.array([panda.fk(panda.random_configuration(rng)) for _ in range(40)])
    kw = dict(seed=7, progress=False, timeout=None, max_restarts=5)
    one = solve_ik_batch(panda, Ts, **kw)  # type: ignore[arg-type]
    on_dask = solve_ik_batch(panda, Ts, executor=client.get_executor(), chunk_size=6, **kw)  # type: ignore[arg-type]
    assert np.array_equal(one.q, on_dask.q) and np.array_equal(one.success, on_dask.success)
    assert one.messages == on_dask.messages
    # Seven chunks, and each worker keeps one rebuilt copy of the robot, under its key.
    kept = client.run(_kept_robots)
    assert set(kept) and all(keys in ([], [Parcel(panda).key]) for keys in kept.values())
    assert any(kept.values())


def _kept_robots() -> list[str]:
    from robojac.scale import executor

    return sorted(executor._ROBOTS)


def test_a_killed_worker_does_not_lose_the_map(
    client: Any, panda: robojac.Robot, slow_map: robojac.ReachabilityMap, tmp_path: Path
) -> None:
    """SIGKILL one worker process mid-run: the engine reruns its chunks and the map completes."""
    kw = SLOW
    store = tmp_path / "k.zarr"
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["map"] = reachability_map(panda, executor=client.get_executor(), store=store, **kw)  # type: ignore[arg-type]
        except BaseException as exc:  # reported by the assertion below
            box["error"] = exc

    pids = client.run(os.getpid)
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while thread.is_alive() and time.monotonic() < deadline and _reached(store) < 5:
        time.sleep(0.2)
    assert thread.is_alive(), "the map finished before a worker could be killed"
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    m = box["map"]
    assert m.complete and open_reachability_map(store).complete
    assert m.equals(slow_map)


def _forked_children() -> set[int]:
    """Child processes forked from this one (same command line): a local pool's workers,
    not Dask's spawned workers."""
    me = os.getpid()
    own = Path(f"/proc/{me}/cmdline").read_bytes()
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == me:
                if (entry / "cmdline").read_bytes() == own:
                    found.add(int(entry.name))
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the pool's workers in /proc")
def test_a_killed_local_worker_does_not_lose_the_map(
    panda: robojac.Robot, slow_map: robojac.ReachabilityMap, tmp_path: Path
) -> None:
    """workers=2: SIGKILL one of robojac's own pool processes mid-run. The broken pool is
    replaced, the unfinished chunks rerun, and the map completes equal to one process's."""
    store = tmp_path / "l.zarr"
    box: dict[str, Any] = {}
    before = _forked_children()

    def run() -> None:
        try:
            box["map"] = reachability_map(panda, workers=2, store=store, **SLOW)  # type: ignore[arg-type]
        except BaseException as exc:  # reported by the assertion below
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while thread.is_alive() and time.monotonic() < deadline and _reached(store) < 5:
        time.sleep(0.2)
    workers = _forked_children() - before
    assert thread.is_alive() and workers, "the map finished before a worker could be killed"
    os.kill(min(workers), signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive() and "error" not in box, box.get("error")
    m = box["map"]
    assert m.complete and not m.failed and open_reachability_map(store).complete
    assert m.equals(slow_map)
    assert not (_forked_children() - before), "the replaced pools' workers were left running"


def _square_or_die(attempt: int, i: int) -> int:
    """A chunk job: chunk 3 takes its worker process down, every time."""
    if i == 3:
        os._exit(7)
    time.sleep(0.05)
    return i * i


def test_a_chunk_that_kills_its_worker_twice_is_recorded_failed() -> None:
    from robojac.scale.executor import local_pool, run_chunks, run_local

    jobs = [(i,) for i in range(10)]
    results: dict[int, int] = {}
    failures: dict[int, str] = {}
    run_local(2, _square_or_die, jobs, results.__setitem__, failures.__setitem__)
    # robojac's own pool is replaced after each death; only the chunk that kills is lost.
    assert results == {i: i * i for i in range(10) if i != 3}
    assert list(failures) == [3] and failures[3].startswith("its worker process died while solving it")
    assert "BrokenProcessPool" in failures[3]
    # A pool the caller gave breaks for good: what it had not finished is recorded, not lost.
    results.clear()
    failures.clear()
    with local_pool(2) as pool:
        run_chunks(pool, _square_or_die, jobs, results.__setitem__, failures.__setitem__)
    assert 3 in failures and set(results) | set(failures) == set(range(10))
    assert all("the executor broke (BrokenProcessPool" in why for why in failures.values())


_INTERRUPTED = """
import sys
import robojac
from robojac import IKOptions
robojac.reachability_map(robojac.load("panda"), store=sys.argv[1], resolution=0.3, orientations=4, chunk=1,
                         progress=False, options=IKOptions(timeout=None, max_restarts=8))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals a child process")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["Ctrl-C", "SIGKILL"])
def test_interrupted_map_resumes_to_the_uninterrupted_one(
    panda: robojac.Robot, slow_map: robojac.ReachabilityMap, tmp_path: Path, sig: int
) -> None:
    store = tmp_path / "r.zarr"
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED, str(store)], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and _reached(store) < 20:
            time.sleep(0.2)
        assert proc.poll() is None, "the map finished before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    part = open_reachability_map(store)
    assert not part.complete and part.missing
    written_before = _status(store) == WRITTEN
    resumed = reachability_map(panda, store=store, **SLOW)  # type: ignore[arg-type]
    whole = slow_map
    assert resumed.complete and resumed.equals(whole)
    assert open_reachability_map(store).equals(whole)
    writes = _writes(store)
    # Chunks the first run finished were not recomputed; at most the one it was writing
    # when killed (its data written, its status not yet) was written twice.
    assert written_before.any() and (writes[written_before] == 1).all()
    assert (writes >= 1).all() and (writes > 1).sum() <= 1


def _reached(store: Path) -> int:
    """Voxels reached so far in the store: only chunks that were solved have any."""
    import zarr

    try:
        return int((np.asarray(zarr.open_group(str(store), mode="r")["index"][:]) > 0).sum())
    except Exception:  # not created yet, or being created
        return 0


def _status(store: Path) -> np.ndarray:
    import zarr

    return np.asarray(zarr.open_group(str(store), mode="r")["status"][:])


def _writes(store: Path) -> np.ndarray:
    import zarr

    return np.asarray(zarr.open_group(str(store), mode="r")["writes"][:])


class _FailingChunks(concurrent.futures.ThreadPoolExecutor):
    """An engine on which the chunks of the voxel blocks at x = 0, y = 2 always fail."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        block = args[4]
        if block[0].start == 0 and block[1].start == 2:
            fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
            fut.set_exception(OSError("disk full on the worker"))
            return fut
        return super().submit(fn, *args, **kwargs)


def test_a_chunk_failing_twice_is_recorded_with_its_reason(
    panda: robojac.Robot, small_map: robojac.ReachabilityMap, tmp_path: Path
) -> None:
    store = tmp_path / "f.zarr"
    with _FailingChunks(max_workers=1) as ex:
        m = reachability_map(panda, executor=ex, store=store, **SMALL)  # type: ignore[arg-type]
    assert m.failed and not m.complete
    assert all(reason == "OSError: disk full on the worker" for reason in m.failed.values())
    reopened = open_reachability_map(store)
    assert reopened.failed == m.failed and not reopened.missing
    bad = np.isnan(m.index)
    assert bad.any() and np.array_equal(m.index[~bad], small_map.index[~bad])
    fixed = reachability_map(panda, store=store, **SMALL)  # type: ignore[arg-type]
    assert fixed.complete and fixed.equals(small_map) and not open_reachability_map(store).failed


def test_batch_failing_chunk_raises_execution_error(panda: robojac.Robot) -> None:
    class Broken(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
            fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
            fut.set_exception(MemoryError("worker out of memory"))
            return fut

    Ts = np.array([panda.fk(panda.neutral())] * 3)
    with Broken(1) as ex, pytest.raises(robojac.ExecutionError, match=r"failed twice.*MemoryError"):
        solve_ik_batch(panda, Ts, executor=ex, progress=False)


def test_resume_refuses_other_settings(panda: robojac.Robot, tmp_path: Path) -> None:
    store = tmp_path / "s.zarr"
    reachability_map(panda, store=store, resolution=0.6, orientations=2, progress=False)
    with pytest.raises(robojac.InputError, match="resolution"):
        reachability_map(panda, store=store, resolution=0.5, orientations=2, progress=False)
    with pytest.raises(robojac.InputError, match="orientation"):
        reachability_map(panda, store=store, resolution=0.6, orientations=3, progress=False)


def test_position_only_map(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["planar_2r"]
    # The arm moves in the plane z = 0: one layer of voxels centred on it.
    m = reachability_map(robot, [[-1, -1, -0.125], [1, 1, 0.125]], 0.25, orientations=None, progress=False)
    assert m.shape == (8, 8, 1) and m.orientations is None and m.options.position_only and m.success.shape[-1] == 1
    assert set(np.unique(m.index)) <= {0.0, 1.0} and (m.index == 1).any()


def test_reachmap_command_writes_resumes_and_draws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from robojac.cli import main

    argv = ["reachmap", "panda", "--resolution", "0.4", "--orientations", "2", "--out", str(tmp_path / "m.zarr")]
    assert main([*argv, "--html", str(tmp_path / "m.html"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["complete"] and out["voxels_reached"] > 0 and out["orientations"] == 2
    page = (tmp_path / "m.html").read_text()
    assert "PointsMaterial" in page
    first = _writes(tmp_path / "m.zarr")
    assert main(argv) == 0  # a finished store: nothing recomputed
    assert "complete" in capsys.readouterr().out
    assert np.array_equal(_writes(tmp_path / "m.zarr"), first)


def test_viewer_draws_reached_voxels_by_height(panda: robojac.Robot, small_map: robojac.ReachabilityMap) -> None:
    from robojac.viz import Viewer

    with Viewer(panda, server=False) as viewer:
        viewer.add_reachability(small_map)
        every = viewer.overlay_info("reachability")
        viewer.add_reachability(small_map, name="slice", zmin=0.3, zmax=0.7)
        part = viewer.overlay_info("slice")
    assert every["count"] == int((small_map.index > 0).sum())
    z = part["extent"][:, 2]
    assert 0 < part["count"] < every["count"] and (z >= 0.3).all() and (z <= 0.7).all()
    with Viewer(panda, server=False) as viewer, pytest.raises(robojac.InputError, match="zmin"):
        viewer.add_reachability(small_map, zmin=1.0, zmax=0.0)


@pytest.mark.browser
def test_the_page_shows_the_voxels_in_their_colours(
    panda: robojac.Robot, small_map: robojac.ReachabilityMap, tmp_path: Path
) -> None:
    """A real Chromium renders the page: green (every orientation) and red-to-yellow voxels
    appear, and a slice above the base shows fewer of them."""
    from PIL import Image

    from robojac.viz import Viewer
    from robojac.viz.browser import find_chromium, screenshot

    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine")

    def shot(name: str, **kw: Any) -> np.ndarray:
        with Viewer(panda, server=False) as viewer:
            if kw:
                viewer.add_reachability(small_map, **kw)
            page = viewer.save_html(tmp_path / f"{name}.html")
        png = screenshot(str(page), tmp_path / f"{name}.png", size=(640, 480), budget_ms=2500, chromium=exe)
        with Image.open(png) as im:
            return np.asarray(im.convert("RGB"), dtype=np.int16)

    def green(img: np.ndarray) -> int:
        return int(((img[..., 1] > 180) & (img[..., 0] < 120) & (img[..., 2] < 120)).sum())

    def warm(img: np.ndarray) -> int:  # red, orange, yellow
        return int(((img[..., 0] > 200) & (img[..., 2] < 100)).sum())

    empty, every = shot("empty"), shot("every", zmin=-10.0)
    top = shot("top", zmin=0.6)
    assert green(every) > green(empty) + 500 and warm(every) > warm(empty) + 100
    assert green(empty) + 100 < green(top) < green(every)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_with_rate_on_a_terminal_and_the_dashboard_with_dask(
    panda: robojac.Robot, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    reachability_map(panda, resolution=0.6, orientations=2, chunk=1)
    assert "reachability" in term.getvalue() and "solve/s" in term.getvalue()
    assert "Dask dashboard" not in term.getvalue()
    on_dask = _Terminal()
    monkeypatch.setattr(sys, "stderr", on_dask)
    reachability_map(panda, resolution=0.6, orientations=2, chunk=1, executor=client.get_executor())
    assert f"Dask dashboard: {client.dashboard_link}" in on_dask.getvalue() and "solve/s" in on_dask.getvalue()
    quiet = io.StringIO()  # not a terminal: nothing
    monkeypatch.setattr(sys, "stderr", quiet)
    reachability_map(panda, resolution=0.6, orientations=2, chunk=1)
    assert quiet.getvalue() == ""
