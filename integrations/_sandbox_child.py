"""The child side of integrations/sandbox.py: one job read from stdin, its outcome written to
stdout as MessagePack (the two Structs below, which the parent decodes). It imports nothing of
the server's but what the job names, so a child starts in about 0.1 s. The job comes pickled
from the parent, its only writer; the outcome is plain data the parent decodes to the type it
expects, never a pickle: a child that a hostile file took over can send nothing the parent
would execute."""

from __future__ import annotations

import pickle
import resource
import sys
from typing import Literal

import msgspec

# The parameters of a coded error's message (kernel.errors.Param, said again here: the child
# imports nothing it does not need).
Param = str | int | float | list[str]


class Failure(msgspec.Struct, array_like=True):
    """An exception the job raised: its class by name, its message, `field` if any, and the
    `code` and `params` of a coded error (kernel.errors), so that the French survives."""

    type: str
    detail: str
    field: str | None = None
    code: str | None = None
    params: dict[str, Param] | None = None


class Outcome(msgspec.Struct, array_like=True):
    status: Literal["ok", "raise", "memory"]
    value: msgspec.Raw = msgspec.Raw(b"\xc0")  # MessagePack nil
    failure: Failure | None = None


def main() -> None:
    memory_bytes, fn, args = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 (see above)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        outcome = Outcome("ok", value=fn(*args))
    except MemoryError:
        outcome = Outcome("memory")
    except Exception as exc:  # noqa: BLE001 (named to the parent, which decides)
        kind = type(exc)
        code = getattr(exc, "code", None)
        params = getattr(exc, "params", None)
        outcome = Outcome(
            "raise",
            failure=Failure(
                f"{kind.__module__}.{kind.__qualname__}",
                str(exc),
                getattr(exc, "field", None),
                code if isinstance(code, str) else None,
                dict(params) if isinstance(code, str) and isinstance(params, dict) else None,
            ),
        )
    try:
        data = msgspec.msgpack.encode(outcome)
    except MemoryError:
        data = msgspec.msgpack.encode(Outcome("memory"))
    except Exception:  # noqa: BLE001 (a result that is not plain data)
        failure = Failure("builtins.TypeError", "the job's result is not plain data")
        data = msgspec.msgpack.encode(Outcome("raise", failure=failure))
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
