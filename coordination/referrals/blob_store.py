"""Where photo bytes live: an interface, so a deployment can put them in object storage; the
default (integrations/storage) is a directory under CPTS_STORAGE_DIR."""

from __future__ import annotations

from typing import Protocol


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes:
        """Raise KeyError when absent."""
        ...

    async def delete(self, key: str) -> None: ...
