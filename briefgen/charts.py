"""Pictures drawn at build time (SVG), offered to templates as globals."""

from __future__ import annotations

from typing import Any, Callable

from briefgen.model import Site
from briefgen.urls import Urls


def chart_globals(site: Site, urls: Urls) -> dict[str, Callable[..., Any]]:
    """Template globals that draw charts; none yet."""
    return {}
