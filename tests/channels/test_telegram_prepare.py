"""``prepare``: files the customer sent are downloaded from the double, taps are answered
and their keyboards cleared."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from bots.channel import AdapterDeps, PrepareError, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.telegram import TelegramAdapter, TelegramConfig
from bots.telegram.api import BotApi, FileTooLarge
from bots.telegram.config import MAX_FILE_BYTES
from flows.messages import Inbound, Kind
from tests.channels.support import NoMedia

TOKEN = "123456:TEST-token-never-in-reasons"
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg" * 100
FILE_PATH = "photos/file_7.jpg"


def telegram(
    file: bytes = JPEG, *, get_file: Answer | None = None, download: Answer | None = None
) -> Callable[[Call], Answer]:
    def responder(call: Call) -> Answer:
        if call.path == f"/bot{TOKEN}/getFile":
            result = {"file_id": "F", "file_unique_id": "U", "file_path": FILE_PATH}
            return get_file or Answer(200, {"ok": True, "result": result})
        if call.path == f"/file/bot{TOKEN}/{FILE_PATH}":
            return download or Answer(200, file, content_type="image/jpeg")
        return Answer(200, {"ok": True, "result": True})

    return responder


@pytest.fixture
def double() -> Iterator[PlatformDouble]:
    with PlatformDouble(telegram()) as d:
        yield d


@pytest.fixture
async def adapter(double: PlatformDouble) -> AsyncIterator[TelegramAdapter]:
    async with httpx.AsyncClient(timeout=5) as http:
        config = TelegramConfig(TOKEN, "s", api_url=double.url)
        yield TelegramAdapter(config, AdapterDeps(http, NoMedia()))


def photo(**fetch: str) -> Received:
    inbound = Inbound("telegram", "4242", "700", Kind.IMAGE, text="my id")
    notes = {"file_id": "F", "filename": "photo.jpg", "content_type": "image/jpeg", **fetch}
    return Received(inbound, notes)


async def test_a_photo_is_fetched_with_getfile_then_downloaded(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    msg = await adapter.prepare(photo())
    assert msg.attachment is not None
    assert (msg.attachment.data, msg.attachment.content_type, msg.attachment.filename) == (
        JPEG,
        "image/jpeg",
        "photo.jpg",
    )
    assert (msg.kind, msg.text, msg.message_id) == (Kind.IMAGE, "my id", "700")
    get_file, download = double.calls
    assert (get_file.path, get_file.json()) == (f"/bot{TOKEN}/getFile", {"file_id": "F"})
    assert (download.method, download.path) == ("GET", f"/file/bot{TOKEN}/{FILE_PATH}")


async def test_a_document_keeps_its_name_and_type(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    inbound = Inbound("telegram", "4242", "701", Kind.DOCUMENT)
    fetch = {"file_id": "F", "filename": "Testfile.pdf", "content_type": "application/pdf"}
    msg = await adapter.prepare(Received(inbound, fetch))
    assert msg.attachment is not None
    assert (msg.attachment.content_type, msg.attachment.filename) == (
        "application/pdf",
        "Testfile.pdf",
    )


async def test_a_file_telegram_says_is_too_large_is_not_fetched(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    with pytest.raises(PrepareError) as caught:
        await adapter.prepare(photo(size=str(MAX_FILE_BYTES + 1)))
    assert caught.value.permanent
    assert double.calls == []


async def test_getfile_size_over_the_cap_stops_before_the_download(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    result = {"file_id": "F", "file_unique_id": "U", "file_path": FILE_PATH, "file_size": 10**8}
    double.responder = telegram(get_file=Answer(200, {"ok": True, "result": result}))
    with pytest.raises(PrepareError) as caught:
        await adapter.prepare(photo())
    assert caught.value.permanent
    assert [c.path for c in double.calls] == [f"/bot{TOKEN}/getFile"]


async def test_a_download_longer_than_the_cap_is_cut_off(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    double.responder = telegram(file=b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(PrepareError) as caught:
        await adapter.prepare(photo())
    assert caught.value.permanent
    assert "10 MB" in caught.value.reason


async def test_the_download_limit_counts_bytes(double: PlatformDouble) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        api = BotApi(http, double.url, TOKEN)
        assert await api.download(FILE_PATH, len(JPEG)) == JPEG
        with pytest.raises(FileTooLarge):
            await api.download(FILE_PATH, len(JPEG) - 1)


def refused(status: int, description: str) -> Answer:
    return Answer(status, {"ok": False, "error_code": status, "description": description})


@pytest.mark.parametrize(
    ("get_file", "download", "permanent"),
    [
        (
            Answer(400, {"ok": False, "error_code": 400, "description": "file is too big"}),
            None,
            True,
        ),
        (Answer(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}), None, False),
        (
            Answer(429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}),
            None,
            False,
        ),
        (None, Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"}), True),
        (None, Answer(503, b"unavailable", content_type="text/plain"), False),
    ],
)
async def test_failures_are_permanent_only_when_retrying_cannot_help(
    adapter: TelegramAdapter,
    double: PlatformDouble,
    get_file: Answer | None,
    download: Answer | None,
    permanent: bool,
) -> None:
    double.responder = telegram(get_file=get_file, download=download)
    with pytest.raises(PrepareError) as caught:
        await adapter.prepare(photo())
    assert caught.value.permanent is permanent
    assert TOKEN not in caught.value.reason
    assert "123456" not in caught.value.reason


async def test_an_unreachable_telegram_is_retried() -> None:
    with PlatformDouble() as gone:
        url = gone.url
    async with httpx.AsyncClient(timeout=5) as http:
        adapter = TelegramAdapter(
            TelegramConfig(TOKEN, "s", api_url=url), AdapterDeps(http, NoMedia())
        )
        with pytest.raises(PrepareError) as caught:
            await adapter.prepare(photo())
    assert not caught.value.permanent
    assert TOKEN not in caught.value.reason


# -- button taps ------------------------------------------------------------------------------


def tap(**fetch: str) -> Received:
    return Received(Inbound("telegram", "4242", "702", Kind.PAYLOAD, payload="opt:3:yes"), fetch)


async def test_a_tap_is_answered_and_its_keyboard_removed(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    received = tap(callback_id="cq1", chat_id="4242", message_id="88")
    msg = await adapter.prepare(received)
    assert msg == received.inbound
    answer, edit = double.calls
    assert (answer.path, answer.json()) == (
        f"/bot{TOKEN}/answerCallbackQuery",
        {"callback_query_id": "cq1"},
    )
    assert (edit.path, edit.json()) == (
        f"/bot{TOKEN}/editMessageReplyMarkup",
        {"chat_id": 4242, "message_id": 88},
    )


async def test_a_tap_the_webhook_answered_only_loses_its_keyboard(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    received = tap(callback_id="cq1", chat_id="4242", message_id="88", answered="webhook")
    assert await adapter.prepare(received) == received.inbound
    [edit] = double.calls
    assert (edit.path, edit.json()) == (
        f"/bot{TOKEN}/editMessageReplyMarkup",
        {"chat_id": 4242, "message_id": 88},
    )


async def test_an_inline_messages_keyboard_is_removed_by_its_id(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    await adapter.prepare(tap(callback_id="cq2", inline_message_id="1234csdbsk4839"))
    [_, edit] = double.calls
    assert edit.json() == {"inline_message_id": "1234csdbsk4839"}


async def test_a_tap_on_a_message_too_old_to_edit_still_runs_the_turn(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    def refuse(call: Call) -> Answer:
        description = "Bad Request: query is too old and response timeout expired"
        if call.path.endswith("/editMessageReplyMarkup"):
            description = "Bad Request: message can't be edited"
        return Answer(400, {"ok": False, "error_code": 400, "description": description})

    double.responder = refuse
    received = tap(callback_id="cq3", chat_id="4242", message_id="1")
    assert await adapter.prepare(received) == received.inbound
    assert len(double.calls) == 2


async def test_text_needs_no_preparation(adapter: TelegramAdapter, double: PlatformDouble) -> None:
    received = Received(Inbound("telegram", "4242", "703", Kind.TEXT, text="balance"))
    assert await adapter.prepare(received) == received.inbound
    assert double.calls == []
