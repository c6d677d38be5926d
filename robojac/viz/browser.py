"""Screenshots of a viewer page with headless Chromium (for tests and docs).

Chromium draws WebGL in software (SwiftShader), so this works on machines without a
GPU or display. A static page (:meth:`Viewer.save_html`) is complete when its script
ends; a live server page gets its scene over a websocket, which takes real time, so
:func:`screenshot` waits ``wait`` seconds of wall time there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import ViewerError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


#: How robojac runs Chromium: headless, software WebGL (SwiftShader), and none of the
#: background connections that this machine's closed network would refuse.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``$ROBOJAC_CHROMIUM``, else the first on PATH."""
    env = os.environ.get("ROBOJAC_CHROMIUM")
    if env:
        return env if (os.path.isfile(env) and os.access(env, os.X_OK)) else shutil.which(env)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(
    url: str,
    png: str | os.PathLike[str],
    *,
    size: tuple[int, int] = (800, 600),
    wait: float = 0.0,
    budget_ms: int = 5000,
    chromium: str | None = None,
    timeout: float = 120.0,
) -> Path:
    """Load ``url`` (``http://...`` or a file path) in headless Chromium and save a PNG.

    ``budget_ms`` is Chromium's virtual-time budget: page scripts and timers run that
    long in virtual time. ``wait`` > 0 switches to real time instead: the page is
    captured ``wait`` seconds after load (for a live page fed by a websocket).
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise ViewerError("no Chromium found: install Debian's 'chromium' package or set ROBOJAC_CHROMIUM")
    out = Path(png).resolve()
    target = url if "://" in url else Path(url).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="robojac-chromium-") as profile:
        args = [
            exe,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={out}",
        ]
        if wait > 0:
            # Real time: the screenshot is taken after the load event plus this delay.
            args.append(f"--timeout={int(wait * 1000)}")
        else:
            args.append(f"--virtual-time-budget={int(budget_ms)}")
        args.append(target)
        if out.exists():
            out.unlink()
        t0 = time.monotonic()
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ViewerError(f"Chromium did not finish within {timeout:g} s on {target}") from None
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise ViewerError(
                f"Chromium failed on {target} (exit {proc.returncode}, {time.monotonic() - t0:.1f} s): {' | '.join(tail)}"
            )
    return out
