"""The booking statements' bind parameters are typed whatever was imported before them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHECK = """
from sqlalchemy.sql.sqltypes import NullType
import scheduling.booking_store as store
params = {**store._P, **store._B, **store._E}
print(",".join(sorted(k for k, p in params.items() if isinstance(p.type, NullType))))
"""


def test_foreign_key_parameters_are_typed_in_a_fresh_process() -> None:
    """A foreign key declared without a type has none until SQLAlchemy resolves it; in a
    process that imports the booking statements first (the server does), SQLite was sent raw
    UUIDs and every booking with a request answered 500."""
    found = subprocess.run(
        [sys.executable, "-c", _CHECK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""
