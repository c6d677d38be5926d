"""Keeping a viewer's server up from a command: until Ctrl-C, SIGTERM or a time limit."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from .viewer import Viewer


def serve(viewer: Viewer, seconds: float | None = None) -> None:
    """Keep ``viewer``'s server up until Ctrl-C, SIGTERM, ``seconds`` or the server's end."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop) if os.name == "posix" else None
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            if viewer.server_ended:
                break  # the server process ended
            time.sleep(0.2 if deadline is None else min(0.2, max(deadline - time.monotonic(), 0.0)))
    except KeyboardInterrupt:
        pass
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
