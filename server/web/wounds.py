"""(being written)"""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

PAGES: list[HTTPRouteHandler] = []
