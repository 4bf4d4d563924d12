"""The instant as the API takes it: with its offset (a naive time is refused with 422 naming
the field, never read in some zone by guess nor left to fail later as a 500)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Instant = Annotated[datetime, msgspec.Meta(tz=True)]
