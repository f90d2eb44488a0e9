"""Benchmarks behind ``teller bench …``: each measures Teller against a physical reference.

``teller bench ledger`` (:mod:`teller.bench.ledger`) compares the ledger's transfer
throughput with pgbench's built-in TPC-B-like workload on the same PostgreSQL server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from teller.bench.ledger import LedgerBenchOptions, run_ledger_bench

__all__ = ["LedgerBenchOptions", "run_ledger_bench"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``python -m teller.bench.ledger`` does not import the module twice.
    if name in __all__:
        from teller.bench import ledger

        return getattr(ledger, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
