"""``teller bench render`` on a small run: its figures and its summary line."""

from __future__ import annotations

import re

from click.testing import CliRunner

from teller.cli import main

SUMMARY = re.compile(
    r"^card_ms_p50=(\d+\.\d\d) card_ms_p99=(\d+\.\d\d) "
    r"statement_page_ms_p50=(\d+\.\d\d) statement_page_ms_p99=(\d+\.\d\d) "
    r"pdf_100tx_ms=(\d+\.\d\d)$"
)


def test_a_small_run_prints_every_figure_last() -> None:
    result = CliRunner().invoke(main, ["bench", "render", "--samples", "3"])
    assert result.exit_code == 0, result.output
    match = SUMMARY.match(result.output.strip().splitlines()[-1])
    assert match is not None, result.output
    card_p50, card_p99, page_p50, page_p99, pdf = (float(g) for g in match.groups())
    assert 0 < card_p50 <= card_p99
    assert 0 < page_p50 <= page_p99
    assert pdf > 0


def test_no_samples_is_refused() -> None:
    result = CliRunner().invoke(main, ["bench", "render", "--samples", "0"])
    assert result.exit_code == 2
    assert "at least one sample" in result.output
