"""Fixtures of the page tests."""

from __future__ import annotations

from functools import partial

import pytest
from litestar import Litestar

from tests.server.web.pages_helpers import Person, browser_of


@pytest.fixture
def person(app: Litestar) -> Person:
    """`async with person(email) as c`: a client of its own, signed in by the session cookie."""
    return partial(browser_of, app)
