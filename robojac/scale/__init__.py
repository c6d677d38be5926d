"""Many solves on any ``concurrent.futures.Executor``: local processes, Dask, Ray, MPI.

robojac cuts the work into chunks and hands them to an executor; the engine behind the
executor schedules, balances and retries them. The modules:

* :mod:`~robojac.scale.executor`: the executor contract, the robot shipped once per
  worker, local worker processes that end with their parent, running chunks with one
  retry (on robojac's own pool, replaced when a worker dies) and a progress bar;
* :mod:`~robojac.scale.store`: the chunked zarr store a reachability map is written to,
  chunk by chunk, and resumed from.

``docs/scale.md`` describes running on a laptop, on a Dask cluster and on Ray.
"""

from __future__ import annotations

from .executor import connect, local_pool

__all__ = ["connect", "local_pool"]
