"""``ClamdScanner``: ClamAV's daemon over its socket protocol (``man clamd``, INSTREAM).

The file goes to clamd as a stream of chunks, each a 4-byte big-endian length and its
bytes, ended by a zero length; commands carry the ``z`` prefix, so they and the replies
end with NUL. The reply is ``stream: OK``, ``stream: <signature> FOUND`` or ``<message>
ERROR`` (``INSTREAM size limit exceeded`` when the file passes clamd's StreamMaxLength,
which must be at least the bank's 10 MB document limit).
"""

from __future__ import annotations

import asyncio
import struct
from urllib.parse import urlparse

from core.ports import ScannerUnavailable, ScanVerdict

CHUNK = 64 * 1024


class ClamdScanner:
    """A :class:`core.ports.VirusScanner` talking to clamd.

    ``address`` is ``tcp://host:port`` (or ``host:port``) or ``unix:///path/to/clamd.ctl``
    (or a bare path).
    """

    def __init__(self, address: str, *, timeout: float = 30.0) -> None:
        self._address = address
        self._timeout = timeout
        if address.startswith("/"):
            self._unix: str | None = address
        elif address.startswith("unix://"):
            self._unix = urlparse(address).path
        else:
            parsed = urlparse(address if "://" in address else f"tcp://{address}")
            if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
                raise ValueError("clamd address: tcp://host:port or unix:///path")
            self._unix = None
            self._host, self._port = parsed.hostname, parsed.port

    def __repr__(self) -> str:
        return f"ClamdScanner({self._address!r})"

    async def scan(self, content: bytes) -> ScanVerdict:
        """See :meth:`core.ports.VirusScanner.scan`."""
        reply = await self._exchange(b"zINSTREAM\0", content)
        if reply.endswith(" FOUND"):
            signature = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
            return ScanVerdict(clean=False, signature=signature or "unknown")
        if reply.endswith(" OK"):
            return ScanVerdict(clean=True)
        raise ScannerUnavailable(f"clamd answered: {reply[:120]}")

    async def ping(self) -> bool:
        """Whether clamd answers ``PONG`` (for readiness checks)."""
        try:
            return await self._exchange(b"zPING\0", None) == "PONG"
        except ScannerUnavailable:
            return False

    async def _exchange(self, command: bytes, stream: bytes | None) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                if self._unix is not None:
                    reader, writer = await asyncio.open_unix_connection(self._unix)
                else:
                    reader, writer = await asyncio.open_connection(self._host, self._port)
                try:
                    writer.write(command)
                    if stream is not None:
                        await self._send(writer, stream)
                    await writer.drain()
                    reply = await reader.readuntil(b"\0")
                finally:
                    writer.close()
        except TimeoutError as exc:
            raise ScannerUnavailable("clamd did not answer in time") from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise ScannerUnavailable(f"clamd failed ({type(exc).__name__})") from exc
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, stream: bytes) -> None:
        for start in range(0, len(stream), CHUNK):
            chunk = stream[start : start + CHUNK]
            writer.write(struct.pack("!I", len(chunk)) + chunk)
            await writer.drain()
        writer.write(struct.pack("!I", 0))
