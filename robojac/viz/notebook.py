"""The viewer in Jupyter: an ``<iframe>`` in the cell's output.

A live viewer's iframe loads its meshcat server's page (as meshcat's own
``Visualizer.jupyter_cell`` does), so the cell keeps following ``show`` and ``play``
while the kernel runs. A viewer made with ``server=False``, or a page saved with
:meth:`Viewer.save_html`, is embedded whole (``srcdoc``): the notebook then shows the
scene with no server and no network, also once saved and reopened.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import InputError, ViewerError

#: Default height of the frame in a notebook cell [CSS px].
HEIGHT = 420


def _height(height: int) -> int:
    if isinstance(height, bool) or not isinstance(height, int) or not 100 <= height <= 4000:
        raise InputError(f"height must be a whole number of pixels in 100..4000, got {height!r}")
    return height


def iframe(*, url: str | None = None, page: str | None = None, height: int = HEIGHT) -> str:
    """The HTML of a resizable frame showing ``url`` (a live server) or the whole ``page``."""
    h = _height(height)
    if url is not None:
        src = f'src="{html.escape(url, quote=True)}"'
    elif page is not None:
        src = f'srcdoc="{html.escape(page, quote=True)}"'
    else:
        raise InputError("iframe needs url=... (a live viewer) or page=... (a saved page's HTML)")
    return (
        f'<div style="height: {h}px; width: 100%; overflow: hidden; resize: both">'
        f'<iframe {src} style="width: 100%; height: 100%; border: none"></iframe></div>'
    )


class Page:
    """A saved viewer page, shown in a notebook cell when it is a cell's value.

    ``Page("arm.html")`` (or a :class:`~pathlib.Path`, or the HTML itself with
    ``Page(html=...)``) embeds the page whole, so the notebook needs no server.
    """

    def __init__(self, path: str | Path | None = None, *, html: str | None = None, height: int = HEIGHT) -> None:
        if (path is None) == (html is None):
            raise InputError("Page needs a saved page's path or its html=..., one of the two")
        if path is not None:
            if not isinstance(path, (str, Path)) or not str(path):
                raise InputError(f"path must be a file name (str or Path), got {path!r}")
            try:
                html = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ViewerError(f"cannot read the page {path}: {getattr(exc, 'strerror', None) or exc}") from None
        if not isinstance(html, str):
            raise InputError(f"html must be a string, got {type(html).__name__}")
        self.html = html
        self.height = _height(height)

    def _repr_html_(self) -> str:
        return iframe(page=self.html, height=self.height)
