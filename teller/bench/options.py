"""The ledger benchmark's options, defaults and errors."""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.actors import Actor, ActorKind

CURRENCY = "EUR"
ACCOUNTS_PER_CUSTOMER = 100
# 10,000.00 EUR each against transfers of 0.01 to 10.00: INSUFFICIENT_FUNDS stays rare, so
# the benchmark measures money moving rather than rejections.
OPENING_BALANCE = 1_000_000
MAX_TRANSFER = 1_000
BENCH_ACTOR = Actor(ActorKind.API_CLIENT, "bench")
SCRATCH_SUFFIX = "_bench"
PG_MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names, which could alias the real one

DEFAULT_PROCESSES = 2
"""Two processes: the client's CPU is a third of the work, and this machine has two cores.

A transfer costs about 0.4 ms of client CPU (four round trips, most of it in socket
writes) against about 0.7 ms on the server, so a second process keeps both cores busy
while the first waits. Back to back, 10 s, 8 clients (core at ab41f36): ratio 0.53 and
0.51 with one process, 0.61 and 0.51 with two; the figures overlap within this machine's
noise, and two never lost by more than it, so two stay the default.
"""

# How long the parent waits for a worker process to start up (imports, pool) or report.
PROCESS_TIMEOUT = 120.0

DEFAULT_API_PROCESSES = 2
"""Two API servers, each a single-worker uvicorn on its own port, the clients split evenly
between them: faster than one on the 2-core machine this was tuned on, and far faster than
one server with ``uvicorn --workers 2``.

One uvicorn process is CPU bound (h11, FastAPI, pydantic and the core's statements on one
core) while PostgreSQL and the bench's own httpx client leave part of the second core
idle, which a second server uses. Interleaved 8-second runs (core at 3ab29d1): 8 clients,
240 tps with one process, 273 with two (mean of 12, noise about ±40; two won 9 of 12
pairs); 16 clients, 223 with one, 305 with two (mean of 3).

Not ``--workers 2``, which measured 120 tps with 8 clients (mean of 6), for two reasons.
uvicorn's supervisor binds the listening socket itself without ``IPPROTO_TCP``, so asyncio
does not set TCP_NODELAY on accepted connections and each keep-alive request waits about
40 ms for the client's delayed ACK (Nagle; uvicorn 0.54 on Linux, Kludex/uvicorn#3149:
45.7 ms per sequential ``GET /healthz`` against 1.6 ms with one worker). And the workers
share one listening socket, so the first to wake accepts the whole burst of keep-alive
connections: 8/0 or 6/2 splits in most runs, the other worker idle. Separate ports make
the split exact and keep asyncio's TCP_NODELAY.
"""

API_HOST = "127.0.0.1"
API_CLIENT_NAME = "bench"
API_READY_TIMEOUT = 60.0  # from starting the server until /readyz answers 200
API_STOP_TIMEOUT = 10.0  # from SIGTERM until the server is killed
API_OUTPUT_KEPT = 16 * 1024  # bytes of the server's output kept for error messages

KeySpec = tuple[str, str]
"""A keyring's configuration, ``(TELLER_ENCRYPTION_KEYS, TELLER_INDEX_KEY)``: one per run,
shared by the bench and the API servers it starts."""


class BenchError(Exception):
    """A run that cannot go on; ``exit_code`` 2 for bad options, 1 for failures."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class LedgerBenchOptions:
    database_url: str
    seconds: float = 10
    clients: int = 8
    accounts: int = 1000
    via: str = "service"
    api_url: str | None = None
    api_key: str | None = None  # for via="api" with api_url; else from TELLER_API_KEY
    api_processes: int = DEFAULT_API_PROCESSES  # via="api" without api_url: API servers
    processes: int = DEFAULT_PROCESSES  # via="service" only
    warmup: float = 1.0
    keep: bool = False  # keep the scratch database for inspection
    seed: int = 1  # account pairs and amounts are reproducible per worker
    pgbench_scale: int = 1


class ApiFailure(Exception):
    """A response that is neither a 201 nor the core's rejection of the transfer (a 5xx, or
    a 401/403 that means the bench's own key is wrong): counted as an error by its code."""


def key_from_options(options: LedgerBenchOptions) -> str | None:
    return options.api_key or os.environ.get("TELLER_API_KEY") or None
