"""The meshcat viewer: ``robojac.Viewer`` (imported on first use, with meshcat)."""

from __future__ import annotations

from .notebook import Page
from .viewer import Viewer

__all__ = ["Page", "Viewer"]
