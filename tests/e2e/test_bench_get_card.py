"""``teller bench get-card`` runs end to end and prints its figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from teller.bench.get_card import GetCardOptions, run_get_card_bench
from teller.settings import Settings
from tests.flows.conftest import NLU_CACHE


async def test_the_get_card_benchmark_prints_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, nlu_model_dir=NLU_CACHE)
    code = await run_get_card_bench(GetCardOptions(customers=3), settings)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.search(r"get_card_p50_ms=[\d.]+ get_card_p99_ms=[\d.]+ n=3$", last), last
    assert code == 0
