"""The meshcat viewer: ``robojac.Viewer`` (imported on first use, with meshcat)."""

from __future__ import annotations

from .viewer import Viewer, wrench_in_base

__all__ = ["Viewer", "wrench_in_base"]
