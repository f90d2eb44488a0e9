"""``LocalDocumentStore``: document blobs as files under the data directory (the default).

Files are written to a temporary name, flushed to disk and renamed into place, so a crash
never leaves half a document under its key; directories are private to the bank's user
(0700) and files readable by it alone (0600). The blobs are already sealed by the core
(AES-256-GCM under a per-document key wrapped by the keyring, with its key id), so the
files on disk are ciphertext.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from core.ports import DocumentMissing, DocumentStoreUnavailable
from integrations.documents.keys import check_key


class LocalDocumentStore:
    """A :class:`core.ports.DocumentStore` in a directory of this machine."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def __repr__(self) -> str:
        return f"LocalDocumentStore({str(self._root)!r})"

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    async def put(self, key: str, blob: bytes) -> None:
        """See :meth:`core.ports.DocumentStore.put`."""
        await asyncio.to_thread(self._write, self._path(key), blob)

    async def get(self, key: str) -> bytes:
        """See :meth:`core.ports.DocumentStore.get`."""
        return await asyncio.to_thread(self._read, self._path(key))

    async def delete(self, key: str) -> None:
        """See :meth:`core.ports.DocumentStore.delete`."""
        await asyncio.to_thread(self._remove, self._path(key))

    def _write(self, path: Path, blob: bytes) -> None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(blob)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise DocumentStoreUnavailable(f"cannot write a document ({exc.strerror})") from exc

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise DocumentMissing("no document under this key") from None
        except OSError as exc:
            raise DocumentStoreUnavailable(f"cannot read a document ({exc.strerror})") from exc

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise DocumentStoreUnavailable(f"cannot delete a document ({exc.strerror})") from exc
