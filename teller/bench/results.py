"""What a benchmark phase measured, and the summary line it prints."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

# -- results ------------------------------------------------------------------------------


@dataclass
class WorkloadResult:
    """What a set of workers did in the measured window (picklable across processes)."""

    completed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, completed transfers
    elapsed: float = 0.0  # measured window, stretched to the last in-flight completion

    @property
    def tps(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    @classmethod
    def merged(cls, parts: Sequence[WorkloadResult]) -> WorkloadResult:
        total = cls()
        for part in parts:
            total.completed += part.completed
            total.rejected.update(part.rejected)
            total.errors.update(part.errors)
            total.latencies.extend(part.latencies)
            # Processes measure concurrent windows of equal length: the longest is the run.
            total.elapsed = max(total.elapsed, part.elapsed)
        return total


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``samples``; 0 when there are none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def summary_line(
    ledger_tps: float, pgbench_tps: float, latencies: Sequence[float], invariants_ok: bool
) -> str:
    ratio = ledger_tps / pgbench_tps if pgbench_tps > 0 else 0.0
    p50_ms = percentile(latencies, 0.50) * 1000
    p99_ms = percentile(latencies, 0.99) * 1000
    verdict = "ok" if invariants_ok else "FAILED"
    return (
        f"ledger_tps={ledger_tps:.1f} pgbench_tps={pgbench_tps:.1f} ratio={ratio:.2f} "
        f"p50_ms={p50_ms:.2f} p99_ms={p99_ms:.2f} invariants={verdict}"
    )


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)
