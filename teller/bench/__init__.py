"""Benchmarks behind ``teller bench …``: each measures Teller against a physical reference.

``teller bench ledger`` (:mod:`teller.bench.ledger`) compares the ledger's transfer
throughput with pgbench's built-in TPC-B-like workload on the same PostgreSQL server.
"""

from teller.bench.ledger import LedgerBenchOptions, run_ledger_bench

__all__ = ["LedgerBenchOptions", "run_ledger_bench"]
