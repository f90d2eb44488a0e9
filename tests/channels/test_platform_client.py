"""The client adapters call their platforms with (httpx over aiohttp's connections): what
the adapters rely on from httpx holds: JSON and form bodies, headers, streamed downloads,
and timeouts and refused connections as httpx's own errors."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from bots.doubles import Answer, Call, PlatformDouble
from bots.telegram.api import ApiError, BotApi, FileTooLarge
from teller.channels import platform_client


def _answers(call: Call) -> Answer:
    if call.path.endswith("/slow"):
        time.sleep(0.5)
    if call.path.startswith("/file/"):
        return Answer(200, b"x" * 100_000, content_type="application/octet-stream")
    if call.path.endswith("/sendMessage"):
        return Answer(200, {"ok": True, "result": {"message_id": 7, "echo": call.json()}})
    return Answer(
        429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 3}}
    )


async def test_json_calls_and_their_answers_go_through() -> None:
    with PlatformDouble(_answers) as double:
        async with platform_client() as http:
            api = BotApi(http, double.url, "123:TOKEN")
            result = await api.call("sendMessage", {"chat_id": 5, "text": "Привіт"})
            assert result == {"message_id": 7, "echo": {"chat_id": 5, "text": "Привіт"}}
            with pytest.raises(ApiError) as refused:
                await api.call("answerCallbackQuery", {"callback_query_id": "1"})
            assert refused.value.status == 429
            assert refused.value.retry_after == 3
            form = await http.post(f"{double.url}/form", data={"a": "1", "b": "два"})
            assert form.status_code == 429
    call = double.calls_to("/form")[0]
    assert call.form() == {"a": "1", "b": "два"}
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert double.calls_to("/sendMessage")[0].headers["content-type"] == "application/json"


async def test_downloads_stream_and_stop_at_their_limit() -> None:
    with PlatformDouble(_answers) as double:
        async with platform_client() as http:
            api = BotApi(http, double.url, "123:TOKEN")
            assert len(await api.download("photos/a.jpg", 200_000)) == 100_000
            with pytest.raises(FileTooLarge):
                await api.download("photos/a.jpg", 50_000)


async def test_a_slow_platform_times_out_as_httpx_says() -> None:
    with PlatformDouble(_answers) as double:
        async with platform_client() as http:
            with pytest.raises(httpx.TimeoutException):
                await http.post(f"{double.url}/slow", json={}, timeout=0.1)
            api = BotApi(http, double.url, "123:TOKEN")
            with pytest.raises(ApiError, match="timed out") as caught:
                await api.call("slow", {}, seconds=0.1)
            assert "TOKEN" not in str(caught.value)


async def test_a_refused_connection_is_an_httpx_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        async with platform_client() as http:
            with pytest.raises(httpx.HTTPError):
                await http.post(f"http://127.0.0.1:{port}/x", json={})
            api = BotApi(http, f"http://127.0.0.1:{port}", "123:TOKEN")
            with pytest.raises(ApiError) as caught:
                await api.call("getMe")
            assert caught.value.status is None
            assert "TOKEN" not in str(caught.value)
