"""Blob storage for uploaded files (wound photos)."""

from integrations.storage.filesystem import FilesystemBlobStore

__all__ = ["FilesystemBlobStore"]
