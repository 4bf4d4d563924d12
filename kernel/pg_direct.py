"""The one adapter of asyncpg, the driver of the bare PostgreSQL connections of the hot paths
(the batched plain bookings, the outbox sequencer): its connection and pool types, how to open
a pool, and the errors the rest of the code tells apart. No other module imports asyncpg
(tests/test_layering.py)."""

from __future__ import annotations

import asyncpg

Connection = asyncpg.Connection
Pool = asyncpg.Pool
create_pool = asyncpg.create_pool

# The database had the last word on an invariant (unique, foreign key, check).
ConstraintViolation = asyncpg.IntegrityConstraintViolationError
# A deadlock or serialisation failure: the transaction lost a race and may be retried.
LostRace = asyncpg.TransactionRollbackError
# Anything PostgreSQL itself answered with an error.
ServerError = asyncpg.PostgresError
# The connection, not the statement, failed: the database is away or the protocol lost track.
ConnectionLost = asyncpg.PostgresConnectionError
ClientError = asyncpg.InterfaceError
ProtocolLost = asyncpg.InternalClientError
# The driver refused a value or a stale prepared statement: the statement failed, not the link.
StatementRefused = (asyncpg.DataError, asyncpg.OutdatedSchemaCacheError)

__all__ = [
    "ClientError",
    "Connection",
    "ConnectionLost",
    "ConstraintViolation",
    "LostRace",
    "Pool",
    "ProtocolLost",
    "ServerError",
    "StatementRefused",
    "create_pool",
]
