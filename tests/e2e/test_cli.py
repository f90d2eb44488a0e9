"""The ``teller`` command line, as an operator runs it."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from teller.cli import main
from tests.flows.conftest import NLU_CACHE


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TELLER_DATA_DIR": str(tmp_path / "data"), "TELLER_LOG_LEVEL": "WARNING"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_db_upgrade_creates_the_sqlite_database(env: dict[str, str]) -> None:
    code, output = run(env, "db", "upgrade")
    assert code == 0, output
    assert (Path(env["TELLER_DATA_DIR"]) / "teller.db").exists()


def test_verify_commands_pass_on_a_sound_bank_and_fail_on_a_tampered_one(
    env: dict[str, str],
) -> None:
    code, output = run(env, "apikey", "create", "ops", "--role", "bank.admin")
    assert code == 0, output
    key = json.loads(output.strip().splitlines()[-1])["api_key"]
    assert key.startswith("tlr_")
    # Development keys are generated once, readable by the owner only.
    assert (Path(env["TELLER_DATA_DIR"]) / "dev-keys.json").stat().st_mode & 0o077 == 0
    assert run(env, "ledger", "verify")[1].strip().endswith("invariants=ok")
    code, output = run(env, "audit", "verify")
    assert code == 0
    assert "chain=ok" in output
    db = sqlite3.connect(Path(env["TELLER_DATA_DIR"]) / "teller.db")
    with db:
        db.execute(
            "UPDATE accounts SET balance = 5 WHERE purpose = 'suspense' AND currency = 'EUR'"
        )
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    db.close()
    code, output = run(env, "ledger", "verify")
    assert code == 1
    assert "VIOLATION" in output
    assert "invariants=FAILED" in output
    code, output = run(env, "audit", "verify")
    assert code == 1
    assert "record 1: content does not match its hash" in output


def test_production_refuses_to_start_without_keys(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        main, ["ledger", "verify"], env={**env, "TELLER_ENV": "production"}
    )
    assert result.exit_code != 0
    assert "TELLER_ENCRYPTION_KEYS" in result.output


def test_apikey_with_an_unknown_role_is_refused(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["apikey", "create", "x", "--role", "root"], env=env)
    assert result.exit_code != 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_needs_no_configuration(env: dict[str, str]) -> None:
    """What the README's first command runs: health, readiness and the API docs."""
    port = _free_port()
    # The NLU model the tests trained once (a fresh data directory would train its own, a
    # minute or two during which /readyz says "nlu: loading").
    nlu = {"TELLER_NLU_MODEL_DIR": str(NLU_CACHE)}
    process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "teller", "serve", "--port", str(port)],
        env={**os.environ, **env, **nlu},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "teller serve did not come up"
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.2)
        while (ready := httpx.get(f"{base}/readyz")).status_code != 200:
            assert ready.json()["checks"]["nlu"] == "loading", ready.text
            assert time.monotonic() < deadline, "teller serve did not get ready"
            time.sleep(0.2)
        assert ready.json()["checks"] == {"database": "ok", "nlu": "ok"}
        assert httpx.get(f"{base}/api/v1/docs").status_code == 200
        spec = httpx.get(f"{base}/api/v1/openapi.json").json()
        assert "/transfers" in spec["paths"]
        assert httpx.get(f"{base}/api/v1/customers/x").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stdout:
            process.stdout.close()


def test_worker_runs_until_asked_to_stop(env: dict[str, str]) -> None:
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "teller", "worker"],
        env={**os.environ, **env, "TELLER_HOLD_EXPIRY_INTERVAL_SECONDS": "0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not (Path(env["TELLER_DATA_DIR"]) / "teller.db").exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        # At once, while the schema may still be in the making: it stops cleanly all the same.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        if process.stdout:
            process.stdout.close()
