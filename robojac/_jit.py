"""Numba for robojac's compiled kernels: loaded on first use, compiled once, cached on disk.

A kernel module (:mod:`robojac.ik.kernel`, :mod:`robojac.collision.kernel`) defines plain
Python functions; :func:`load` compiles them the first time a solve needs them, or loads
them from numba's disk cache (``cache=True``: this package's ``__pycache__`` folders, else
the user's cache folder or ``NUMBA_CACHE_DIR``). Numba costs about 0.5 s to import, so
``import robojac`` does not import it.

When a kernel has to be compiled, the process sits silent for seconds, so :func:`load`
prints the kernel's notice first; ``robojac warmup`` compiles every kernel up front.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()


def compiled(fn: Callable[..., Any]) -> Any:
    """``numba.njit(fn)``, cached on disk where there is a writable place for the cache."""
    import numba  # here, not at the top: numba costs about 0.5 s to import

    try:
        return numba.njit(cache=True)(fn)
    except RuntimeError:  # no writable cache location (read-only install, no home): compile per process
        return numba.njit(fn)


def in_cache(dispatcher: Any) -> bool:
    """Whether numba's disk cache holds a compiled ``dispatcher`` for the current source.

    Reads numba's cache index (a private structure: any surprise there reads as "cached",
    so that a changed numba can cost the notice but never print a false one).
    """
    cache: Any = getattr(dispatcher, "_cache", None)
    if type(cache).__name__ != "FunctionCache":
        return False  # no disk cache: every process compiles
    try:
        return bool(cache._cache_file._load_index())  # {} when absent or stale (source changed)
    except Exception:
        return True


def load(namespace: dict[str, Any], helpers: tuple[str, ...], entries: tuple[str, ...], notice: str) -> bool:
    """Compile (or load) a kernel module's functions in place, once; True, with ``notice``
    printed on stderr, if the disk cache lacked one (its first call will compile).

    ``namespace`` is the module's ``globals()``. ``helpers`` are compiled first and replace
    their Python functions there, because numba resolves an entry's calls to them through
    the module's globals when it compiles the entry. Each entry ``_name`` becomes the
    compiled ``name`` (its docstring kept). Thread-safe; later calls return False at once.
    """
    with _lock:
        if namespace.get("_jit_loaded"):
            return False
        for name in helpers:
            namespace[name] = compiled(namespace[name])
        missing = False
        for name in entries:
            fn = compiled(namespace[name])
            fn.__doc__ = namespace[name].__doc__
            missing |= not in_cache(fn)
            namespace[name.lstrip("_")] = fn
        namespace["_jit_loaded"] = True
        if missing:
            print(notice, file=sys.stderr, flush=True)
        return missing
