"""A standalone page of several views side by side, each its own meshcat scene.

Each view is a :class:`~robojac.viz.Viewer` (usually made with ``server=False``) with a
title and a one-line caption; :func:`gallery_html` lays them out in a grid of
:data:`VIEW_SIZE` panes, each with its own camera and controls, and inlines meshcat's
script once. A mesh file that several views (or links) draw is written into the page
once (see :func:`robojac.viz.transport.scene_script`). ``robojac demo`` writes its
tour this way, one view per capability.

The layout is fixed in pixels so that a window :data:`COLUMNS` views wide shows them in
a known grid (the browser tests read each view's pixels from one screenshot):
view ``i`` lies at ``cell(i)``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .transport import scene_script, viewer_js

if TYPE_CHECKING:
    from .viewer import Viewer

#: Width and height [px] of each view's 3-D pane.
VIEW_SIZE = (480, 360)
#: Height [px] of each view's caption (title and one line), above its pane.
CAPTION_PX = 60
#: Height [px] of the page's heading.
HEADER_PX = 64
#: Views per row in a window ``COLUMNS * VIEW_SIZE[0]`` pixels wide (narrower windows wrap sooner).
COLUMNS = 3


@dataclass
class GalleryView:
    """One view of a gallery page: a title, a one-line caption, and the viewer whose scene it shows."""

    title: str
    caption: str
    viewer: Viewer


def cell(i: int, columns: int = COLUMNS) -> tuple[int, int, int, int]:
    """The pixel box (left, top, width, height) of view ``i``'s 3-D pane on a page that
    shows ``columns`` views a row (a window ``columns * VIEW_SIZE[0]`` px wide)."""
    w, h = VIEW_SIZE
    return (i % columns) * w, HEADER_PX + (i // columns) * (CAPTION_PX + h) + CAPTION_PX, w, h


def page_size(n: int, columns: int = COLUMNS) -> tuple[int, int]:
    """The window (width, height) [px] that shows all ``n`` views, ``columns`` a row."""
    rows = -(-n // columns)
    return columns * VIEW_SIZE[0], HEADER_PX + rows * (CAPTION_PX + VIEW_SIZE[1])


_PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 0; font-family: sans-serif; background: #fff; color: #222; }}
header {{ height: {header}px; box-sizing: border-box; padding: 8px 12px; overflow: hidden; }}
header h1 {{ font-size: 20px; margin: 0 0 4px 0; }}
header p, .caption p {{ font-size: 13px; margin: 0; }}
.views {{ display: flex; flex-wrap: wrap; }}
.view {{ width: {w}px; }}
.caption {{ height: {caption}px; box-sizing: border-box; padding: 6px 10px; overflow: hidden; }}
.caption h2 {{ font-size: 15px; margin: 0 0 3px 0; }}
.pane {{ position: relative; width: {w}px; height: {h}px; overflow: hidden; }}
.scene {{ width: 100%; height: 100%; }}
</style>
</head>
<body>
<header><h1>{heading}</h1><p>{intro}</p></header>
<main class="views">
{sections}
</main>
<script>
{mainminjs}
</script>
<script>
// meshcat sizes its canvas to the window's height; each view here is sized to its own pane.
function robojacView(id) {{
  const pane = document.getElementById(id);
  const v = new MeshCat.Viewer(pane);
  v.set_3d_pane_size = function () {{
    MeshCat.Viewer.prototype.set_3d_pane_size.call(this, pane.clientWidth, pane.clientHeight);
  }};
  v.set_3d_pane_size();
  return v;
}}
{viewers}
{commands}
</script>
</body>
</html>
"""


def gallery_html(views: Sequence[GalleryView], *, title: str = "robojac", intro: str = "") -> str:
    """One standalone HTML page holding every view of ``views``, in order, each its own
    meshcat scene with its own camera (drag to orbit each); no network needed."""
    sections = []
    for i, v in enumerate(views):
        sections.append(
            f'<section class="view" id="section{i}"><div class="caption"><h2>{html.escape(v.title)}</h2>'
            f'<p>{html.escape(v.caption)}</p></div><div class="pane"><div class="scene" id="view{i}"></div></div></section>'
        )
    w, h = VIEW_SIZE
    return _PAGE.format(
        title=html.escape(title),
        heading=html.escape(title),
        intro=html.escape(intro),
        header=HEADER_PX,
        caption=CAPTION_PX,
        w=w,
        h=h,
        sections="\n".join(sections),
        mainminjs=viewer_js(),
        viewers="\n".join(f'const view{i} = robojacView("view{i}");' for i in range(len(views))),
        commands=scene_script([(f"view{i}", v.viewer.recording) for i, v in enumerate(views)]),
    )
