"""Teller's transfer workload through the REST API, against servers the benchmark starts."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from uuid import UUID

import httpx
from sqlalchemy.engine import URL

from teller.bench.options import (
    API_HOST,
    API_OUTPUT_KEPT,
    API_READY_TIMEOUT,
    API_STOP_TIMEOUT,
    CURRENCY,
    ApiFailure,
    BenchError,
    KeySpec,
    LedgerBenchOptions,
    key_from_options,
)
from teller.bench.postgres import checkpoint, measured_seconds
from teller.bench.results import WorkloadResult, say
from teller.bench.service_phase import Outcome, TransferFn, Window, drive, split_clients

# -- Teller over the REST API ------------------------------------------------------------------


async def _run_via_api(
    api_urls: Sequence[str],
    api_key: str,
    account_ids: Sequence[UUID],
    clients: int,
    seconds: float,
    warmup: float,
    seed: int,
    *,
    trust_env: bool = True,
) -> WorkloadResult:
    """The transfer workload through ``POST /api/v1/transfers`` instead of the service.

    Contract: headers ``Idempotency-Key`` (fresh per transfer) and ``X-API-Key``, a JSON body
    with the two account ids, ``amount_minor``, ``currency`` and ``description``; 201 on
    success, a problem+json body with the core's ``code`` on a rejection. The API must serve
    the scratch database (its accounts are the ones created here).

    Client ``i`` talks to ``api_urls[i % len(api_urls)]``, each over one HTTP/1.1 keep-alive
    connection (an httpx pool per URL, as large as its share of the clients), opened during
    the warm-up.
    """
    shares = split_clients(clients, len(api_urls))
    async with AsyncExitStack() as stack:
        transfers = []
        for api_url, share in zip(api_urls, shares, strict=False):
            limits = httpx.Limits(max_connections=share, max_keepalive_connections=share)
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=api_url,
                    limits=limits,
                    headers={"X-API-Key": api_key},
                    timeout=30.0,
                    trust_env=trust_env,
                )
            )
            transfers.append(_api_transfer(client))
        window = Window.starting_now(warmup, seconds)
        return await drive(transfers, account_ids, clients, window, seed)


def _api_transfer(client: httpx.AsyncClient) -> TransferFn:
    async def transfer(source: UUID, destination: UUID, amount: int, key: str) -> Outcome:
        response = await client.post(
            "/api/v1/transfers",
            headers={"Idempotency-Key": key},
            json={
                "source_account_id": str(source),
                "destination_account_id": str(destination),
                "amount_minor": amount,
                "currency": CURRENCY,
                "description": "bench",
            },
        )
        status = response.status_code
        if status == 201:
            return None
        if status in (401, 403) or not 400 <= status < 500:
            raise ApiFailure(_problem_code(response))
        return _problem_code(response)

    return transfer


@contextmanager
def _quiet_logger(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(before)


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return f"HTTP_{response.status_code}"


def listening_sockets(count: int, host: str = API_HOST) -> list[socket.socket]:
    """``count`` sockets bound to free local ports and listening, handed to the servers by
    file descriptor. Binding here rather than in uvicorn leaves no moment in which the port
    is free: a port only chosen here could be taken by another connection while the server
    imports and starts (seconds on a loaded machine), and the server would fail to start."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


def api_server_command(fd: int) -> list[str]:
    """uvicorn serving Teller on the listening socket ``fd``, inherited from the bench."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "teller.app:create_app",
        "--factory",
        "--fd",
        str(fd),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def api_server_env(database: URL, data_dir: str, keys: KeySpec, pool_size: int) -> dict[str, str]:
    """A server's environment: this one without ``TELLER_*`` (a developer's settings, say a
    Redis URL or an OIDC issuer, must not change what is measured), plus the scratch
    database, the run's keyring and a pool as large as the server's share of the clients.

    The currencies are the bench's own: the bank's accounts in them exist by then, so the
    servers' startup (``Bank.prepare``) writes nothing. With more currencies, servers starting
    together would race to create the missing bank accounts, and all but one fail to start.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("TELLER_")}
    env.update(
        {
            "TELLER_DATABASE_URL": database.render_as_string(hide_password=False),
            "TELLER_DATA_DIR": data_dir,
            "TELLER_RUN_JOBS": "false",
            "TELLER_NLU_ENGINE": "off",  # the benchmark calls the API only: no chat model
            "TELLER_LOG_LEVEL": "WARNING",
            "TELLER_ENCRYPTION_KEYS": keys[0],
            "TELLER_INDEX_KEY": keys[1],
            "TELLER_DATABASE_POOL_SIZE": str(pool_size),
            "TELLER_CURRENCIES": CURRENCY,
        }
    )
    return env


class ServerOutput:
    """The last ``API_OUTPUT_KEPT`` bytes of a server's stdout and stderr; read all along,
    so that a chatty server never blocks on a full pipe."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._data = bytearray()
        self._reader = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(4096):
            self._data += chunk
            del self._data[:-API_OUTPUT_KEPT]

    async def close(self, wait: float = 5.0) -> None:
        """Read until the server's end of the pipe closes, or for ``wait`` seconds."""
        if not self._reader.done():
            await asyncio.wait([self._reader], timeout=wait)
        if self._reader.done() and not self._reader.cancelled():
            self._reader.exception()  # a failed read only shortens the output
        self._reader.cancel()

    def text(self) -> str:
        return self._data.decode(errors="replace").strip() or "(no output)"


@dataclass
class ApiServer:
    """One ``uvicorn teller.app:create_app`` process (one worker) and its output."""

    url: str
    process: asyncio.subprocess.Process
    output: ServerOutput

    @classmethod
    async def start(
        cls, database: URL, keys: KeySpec, sock: socket.socket, data_dir: str, pool_size: int
    ) -> ApiServer:
        fd = sock.fileno()
        port = int(sock.getsockname()[1])
        try:
            process = await asyncio.create_subprocess_exec(
                *api_server_command(fd),
                pass_fds=(fd,),
                env=api_server_env(database, data_dir, keys, pool_size),
                cwd=data_dir,  # so no .env file, only the environment, configures it
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: see stop
            )
        except OSError as exc:
            raise BenchError(f"cannot start the API server: {exc}") from exc
        assert process.stdout is not None
        return cls(f"http://{API_HOST}:{port}", process, ServerOutput(process.stdout))

    async def wait_ready(self, deadline: float) -> None:
        """Poll ``/readyz`` until it answers 200; fail with the server's output if it exits
        first or is not ready by ``deadline`` (``time.monotonic``)."""
        last = "no answer"
        async with httpx.AsyncClient(base_url=self.url, timeout=5.0, trust_env=False) as probe:
            while self.process.returncode is None:
                try:
                    response = await probe.get("/readyz")
                except httpx.TransportError as exc:
                    last = type(exc).__name__
                else:
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:500]}"
                if time.monotonic() >= deadline:
                    await self.stop()
                    raise BenchError(
                        f"the API server at {self.url} was not ready within "
                        f"{API_READY_TIMEOUT:g} s (last /readyz: {last}); its "
                        f"output:\n{self.output.text()}"
                    )
                await asyncio.sleep(0.1)
        raise await self.died("before it was ready")

    async def died(self, when: str) -> BenchError:
        await self.output.close()
        return BenchError(
            f"the API server at {self.url} exited with code "
            f"{self.process.returncode} {when}; its output:\n{self.output.text()}"
        )

    async def stop(self, grace: float = API_STOP_TIMEOUT) -> None:
        """SIGTERM, on which uvicorn finishes the requests in flight and shuts the app down
        (closing its database pool); SIGKILL to the server's process group if it is still
        running ``grace`` seconds later. Then reads the rest of its output."""
        process = self.process
        try:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), grace)
        except ProcessLookupError:
            pass
        except TimeoutError:
            say(
                f"the API server at {self.url} did not stop within {grace:g} s of SIGTERM; "
                "killing it"
            )
            with suppress(ProcessLookupError):
                # Our own child's group, and its leader is not reaped yet: nobody else's.
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        await self.output.close()


@asynccontextmanager
async def api_servers(
    database: URL, keys: KeySpec, pool_sizes: Sequence[int]
) -> AsyncIterator[list[ApiServer]]:
    """One API server per entry of ``pool_sizes``, each on its own free local port, all
    ready (``/readyz`` answered 200) when this yields; all stopped when the block ends,
    however it ends. They start together, so two take about as long as one."""
    with tempfile.TemporaryDirectory(prefix="teller-bench-api-") as data_dir, ExitStack() as held:
        servers: list[ApiServer] = []
        socks = [held.enter_context(sock) for sock in listening_sockets(len(pool_sizes))]
        try:
            for sock, pool_size in zip(socks, pool_sizes, strict=True):
                servers.append(await ApiServer.start(database, keys, sock, data_dir, pool_size))
            deadline = time.monotonic() + API_READY_TIMEOUT
            for server in servers:
                await server.wait_ready(deadline)
            yield servers
        finally:
            await asyncio.gather(*(server.stop() for server in servers))


async def run_api_phase(
    options: LedgerBenchOptions,
    url: URL,
    scratch: URL,
    account_ids: list[UUID],
    keys: KeySpec,
    api_key: str | None,
) -> WorkloadResult:
    """``via="api"``: against ``api_url`` if given, else against ``api_processes`` API
    servers started here on the scratch database, with ``api_key`` (the setup made it)."""
    # httpx logs every request at INFO: in the measured process, that is work to leave out.
    with _quiet_logger("httpx", logging.WARNING):
        return await _api_phase(options, url, scratch, account_ids, keys, api_key)


async def _api_phase(
    options: LedgerBenchOptions,
    url: URL,
    scratch: URL,
    account_ids: list[UUID],
    keys: KeySpec,
    api_key: str | None,
) -> WorkloadResult:
    seconds = measured_seconds(options)
    window = f"{options.clients} clients, {options.warmup:g} s warm-up + {seconds} s"
    if options.api_url is not None:
        external_key = key_from_options(options)
        if external_key is None:
            raise BenchError(
                "via=api with api_url needs an API key (api_key or TELLER_API_KEY)", exit_code=2
            )
        say(f"teller via {options.api_url}: {window}")
        await checkpoint(url)
        return await _run_via_api(
            [options.api_url],
            external_key,
            account_ids,
            options.clients,
            seconds,
            options.warmup,
            options.seed,
        )
    assert api_key is not None, "the setup creates a key when the bench starts the API"
    shares = split_clients(options.clients, options.api_processes)
    started = time.perf_counter()
    async with api_servers(scratch, keys, shares) as servers:
        say(
            f"api: {len(servers)} uvicorn process(es) ready in "
            f"{time.perf_counter() - started:.1f} s at {', '.join(s.url for s in servers)}"
        )
        say(f"teller via the api: {window}")
        await checkpoint(url)
        result = await _run_via_api(
            [s.url for s in servers],
            api_key,
            account_ids,
            options.clients,
            seconds,
            options.warmup,
            options.seed,
            trust_env=False,
        )
        for server in servers:
            if server.process.returncode is not None:
                raise await server.died("during the run")
    if result.errors:  # the servers are stopped: their output is complete
        for server in servers:
            print(
                f"teller bench ledger: output of the API server at {server.url}:\n"
                f"{server.output.text()}",
                file=sys.stderr,
                flush=True,
            )
    return result
