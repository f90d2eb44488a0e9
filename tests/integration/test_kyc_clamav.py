"""``ClamdScanner`` speaks clamd's INSTREAM protocol: against a loopback double that speaks
it byte for byte (always), and against a real clamd where ClamAV is installed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import struct
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.ports import ScannerUnavailable
from integrations.virusscan.clamav import CHUNK, ClamdScanner
from tests.kyc_support import EICAR, document_image


@dataclass
class FakeClamd:
    """A clamd double: ``zPING`` and ``zINSTREAM``, its replies, its size limit.

    It finds EICAR (as clamd's official database does) and keeps what each stream held,
    reassembled from its chunks, so tests see exactly what crossed the socket.
    """

    stream_max: int = 25 * 1024 * 1024
    silent: bool = False  # accept, read, never answer
    streams: list[bytes] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            command = await reader.readuntil(b"\0")
            if self.silent:
                await asyncio.sleep(60)
            if command == b"zPING\0":
                writer.write(b"PONG\0")
            elif command == b"zINSTREAM\0":
                writer.write(await self._instream(reader))
            else:
                writer.write(command.rstrip(b"\0") + b": Unknown command ERROR\0")
            await writer.drain()
        finally:
            writer.close()

    async def _instream(self, reader: asyncio.StreamReader) -> bytes:
        received = bytearray()
        while True:
            (size,) = struct.unpack("!I", await reader.readexactly(4))
            if size == 0:
                break
            self.chunk_sizes.append(size)
            received += await reader.readexactly(size)
            if len(received) > self.stream_max:
                return b"INSTREAM size limit exceeded. ERROR\0"
        self.streams.append(bytes(received))
        if EICAR in received:
            return b"stream: Eicar-Test-Signature FOUND\0"
        return b"stream: OK\0"


@pytest.fixture
async def clamd() -> AsyncIterator[tuple[FakeClamd, str]]:
    fake = FakeClamd()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake, f"tcp://127.0.0.1:{port}"


async def test_a_clean_file_crosses_in_chunks_and_comes_back_ok(
    clamd: tuple[FakeClamd, str],
) -> None:
    fake, address = clamd
    content = document_image() + bytes(range(256)) * 2_000  # several chunks
    verdict = await ClamdScanner(address).scan(content)
    assert verdict.clean
    assert fake.streams == [content]
    assert max(fake.chunk_sizes) == CHUNK


async def test_eicar_is_found_with_clamds_signature_name(clamd: tuple[FakeClamd, str]) -> None:
    verdict = await ClamdScanner(clamd[1]).scan(EICAR)
    assert not verdict.clean
    assert verdict.signature == "Eicar-Test-Signature"


async def test_a_stream_over_clamds_limit_is_no_verdict(clamd: tuple[FakeClamd, str]) -> None:
    fake, address = clamd
    fake.stream_max = 100_000
    with pytest.raises(ScannerUnavailable, match="size limit"):
        await ClamdScanner(address).scan(b"\0" * 300_000)


async def test_ping_answers_pong(clamd: tuple[FakeClamd, str]) -> None:
    assert await ClamdScanner(clamd[1]).ping()


async def test_a_unix_socket_works_too(tmp_path: Path) -> None:
    fake = FakeClamd()
    path = tmp_path / "clamd.ctl"
    server = await asyncio.start_unix_server(fake.handle, path=str(path))
    async with server:
        assert (await ClamdScanner(f"unix://{path}").scan(b"hello")).clean
        assert not (await ClamdScanner(str(path)).scan(EICAR)).clean


async def test_no_clamd_or_a_silent_one_gives_no_verdict(tmp_path: Path) -> None:
    with pytest.raises(ScannerUnavailable):
        await ClamdScanner(f"unix://{tmp_path / 'none.ctl'}").scan(b"x")
    assert not await ClamdScanner(f"unix://{tmp_path / 'none.ctl'}").ping()
    silent = FakeClamd(silent=True)
    server = await asyncio.start_server(silent.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(ScannerUnavailable, match="in time"):
            await ClamdScanner(f"127.0.0.1:{port}", timeout=0.3).scan(b"x")


def test_addresses_are_checked() -> None:
    with pytest.raises(ValueError, match="clamd address"):
        ClamdScanner("http://clamav:3310")
    with pytest.raises(ValueError, match="clamd address"):
        ClamdScanner("clamav")


# -- a real clamd, where ClamAV is installed ---------------------------------------------


@pytest.fixture
def real_clamd(tmp_path: Path) -> Iterator[str]:
    """clamd in the foreground on a unix socket, with a one-signature database of its own
    (an MD5 signature of the EICAR file), so no database download is needed."""
    binary = shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd",) if Path(p).exists()), None
    )
    if binary is None:  # the protocol is still tested, on the double above
        pytest.skip("clamd is not installed (Debian: clamav-daemon)")
    database = tmp_path / "db"
    database.mkdir()
    digest = hashlib.md5(EICAR).hexdigest()  # noqa: S324 - ClamAV's hash signature format
    (database / "teller.hdb").write_text(f"{digest}:{len(EICAR)}:Teller.Test.EICAR\n")
    socket_path = tmp_path / "clamd.ctl"
    config = tmp_path / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {socket_path}",
                f"DatabaseDirectory {database}",
                "Foreground yes",
                "StreamMaxLength 12M",
                f"LogFile {tmp_path / 'clamd.log'}",
                f"PidFile {tmp_path / 'clamd.pid'}",
                "",
            ]
        )
    )
    process = subprocess.Popen([binary, "--config-file", str(config)])  # noqa: S603
    try:
        for _ in range(300):
            if socket_path.exists():
                break
            if process.poll() is not None:
                pytest.fail(f"clamd exited: {(tmp_path / 'clamd.log').read_text()[-500:]}")
            time.sleep(0.1)
        yield f"unix://{socket_path}"
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


async def test_a_real_clamd_finds_eicar_and_passes_documents(real_clamd: str) -> None:
    scanner = ClamdScanner(real_clamd)
    assert await scanner.ping()
    assert (await scanner.scan(document_image())).clean
    verdict = await scanner.scan(EICAR)
    assert not verdict.clean
    assert verdict.signature is not None
    assert "EICAR" in verdict.signature.upper()
