"""WhatsApp through Twilio, outbound: every reply type as Twilio API calls (a platform
double stands in for api.twilio.com and content.twilio.com), error mapping, media
downloads, ``teller doctor`` and setup, and wa.me links."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from bots.channel import AdapterDeps, DeliveryError, Outgoing, PrepareError, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.templates import Templates
from bots.whatsapp_twilio import (
    TwilioWhatsAppAdapter,
    TwilioWhatsAppConfig,
    code_from_text,
    deep_link,
)
from bots.whatsapp_twilio.config import CONTENT_API
from flows.messages import (
    Button,
    Buttons,
    Capabilities,
    Document,
    HandoffNotice,
    Image,
    Inbound,
    Kind,
    Reply,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)
from flows.ports import Media

SID = "AC1a03647d811fab342c0ad608e382fab2"
TOKEN = "96yc5z9g44vl4ks2p1suc42yb9p4lpmu"
FROM = "whatsapp:+14123456789"
USER = "+31612345678"
PUBLIC = "https://bank.example"
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
MEDIA_PATH = (
    f"/2010-04-01/Accounts/{SID}/Messages/MM21151abfaadc1fb79b782f8460862a52/Media/"
    "ME5f0afa2336bd0f73ca553fb5a2e3150bc"
)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048 + b"\xff\xd9"
BASIC = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


@dataclass
class Twilio:
    """Answers as Twilio does; ``overrides`` (method, path suffix) → answer come first."""

    url: str = ""
    overrides: dict[tuple[str, str], Answer | Callable[[Call], Answer]] = field(
        default_factory=dict
    )
    contents: int = 0

    def __call__(self, call: Call) -> Answer:
        for (method, suffix), answer in self.overrides.items():
            if call.method == method and call.path.endswith(suffix):
                return answer(call) if callable(answer) else answer
        if call.method == "POST" and call.path == MESSAGES:
            return Answer(201, {"sid": "SM" + "1" * 32, "status": "queued"})
        if call.method == "POST" and call.path == "/v1/Content":
            self.contents += 1
            return Answer(201, {"sid": f"HX{self.contents:032x}"})
        if call.method == "GET" and call.path == f"/2010-04-01/Accounts/{SID}.json":
            return Answer(200, {"sid": SID, "status": "active"})
        if call.method == "GET" and call.path.endswith("/ApprovalRequests"):
            return Answer(200, {"whatsapp": {"status": "approved", "category": "UTILITY"}})
        if call.method == "GET" and call.path == MEDIA_PATH:
            # Twilio redirects to the file's storage.
            return Answer(307, b"", headers={"Location": f"{self.url}/storage/photo"})
        if call.method == "GET" and call.path == "/storage/photo":
            return Answer(200, JPEG, content_type="image/jpeg")
        if call.method == "DELETE":
            return Answer(204, b"")
        return Answer(404, {"code": 20404, "message": "not found", "status": 404})


class Pictures:
    async def get(self, media_id: str) -> Media | None:
        return Media(media_id, "image/png", "card.png", b"png")

    def public_url(self, media_id: str, filename: str = "") -> str:
        return f"{PUBLIC}/webchat/media/{media_id}"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[PlatformDouble, Twilio]]:
    responder = Twilio()
    with PlatformDouble(responder) as double:
        responder.url = double.url
        yield double, responder


@pytest.fixture
def twilio(served: tuple[PlatformDouble, Twilio]) -> tuple[PlatformDouble, Twilio]:
    """The module's double, its calls and answers as new."""
    double, responder = served
    double.reset()
    responder.overrides.clear()
    responder.contents = 0
    return double, responder


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        yield client


def make_adapter(
    double: PlatformDouble,
    http: httpx.AsyncClient,
    *,
    templates: Templates | None = None,
    public_url: str = PUBLIC,
) -> TwilioWhatsAppAdapter:
    config = TwilioWhatsAppConfig(
        account_sid=SID,
        auth_token=TOKEN,
        from_number=FROM,
        public_url=public_url,
        api_url=double.url,
        number="+14123456789",
        templates=templates if templates is not None else Templates.load(),
    )
    return TwilioWhatsAppAdapter(config, AdapterDeps(http, Pictures()))


@pytest.fixture
def adapter(
    twilio: tuple[PlatformDouble, Twilio], http: httpx.AsyncClient
) -> TwilioWhatsAppAdapter:
    return make_adapter(twilio[0], http)


def out(reply: Reply, *, window_open: bool = True, language: str = "en") -> Outgoing:
    return Outgoing(USER, reply, 1, window_open=window_open, language=language)


def sent(double: PlatformDouble) -> list[dict[str, str]]:
    calls = double.calls_to("/Messages.json")
    for call in calls:
        assert call.method == "POST"
        assert call.headers["authorization"] == BASIC
    return [call.form() for call in calls]


def base(**fields: str) -> dict[str, str]:
    return {
        "From": FROM,
        "To": "whatsapp:" + USER,
        **fields,
        "StatusCallback": f"{PUBLIC}/webhooks/whatsapp/twilio/status",
    }


# -- 4. send: every reply type -------------------------------------------------------------


async def test_text(adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]) -> None:
    await adapter.send(out(Text("Your balance is 1 250,00 EUR.")))
    assert sent(twilio[0]) == [base(Body="Your balance is 1 250,00 EUR.")]


async def test_quick_reply_buttons_through_the_content_api(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, _ = twilio
    reply = Buttons("Send 100 EUR to Petr?", (Button("Yes", "ok"), Button("No", "cancel")))
    await adapter.send(out(reply))
    created = double.calls_to("/v1/Content")
    assert len(created) == 1
    assert created[0].headers["authorization"] == BASIC
    request = created[0].json()
    assert request["language"] == "en"
    assert request["types"] == {
        "twilio/quick-reply": {
            "body": "{{1}}",
            "actions": [{"title": "Yes", "id": "ok"}, {"title": "No", "id": "cancel"}],
        }
    }
    # The customer's text is the variable, never part of the stored content.
    assert "Petr" not in json.dumps(request)
    sid = f"HX{1:032x}"
    variables = json.dumps({"1": "Send 100 EUR to Petr?"})
    assert sent(double) == [base(ContentSid=sid, ContentVariables=variables)]

    # The same choices with another text reuse the content.
    await adapter.send(out(Buttons("Send 5 EUR to Jana?", reply.buttons)))
    assert len(double.calls_to("/v1/Content")) == 1
    assert sent(double)[1]["ContentSid"] == sid
    assert json.loads(sent(double)[1]["ContentVariables"]) == {"1": "Send 5 EUR to Jana?"}


async def test_four_to_ten_choices_are_a_list(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, _ = twilio
    buttons = tuple(Button(f"Card •••• 10{n}{n}", f"card:{n}") for n in range(1, 6))
    await adapter.send(out(Buttons("Which card?", buttons), language="cs"))
    request = double.calls_to("/v1/Content")[0].json()
    assert request["language"] == "cs"
    assert request["types"] == {
        "twilio/list-picker": {
            "body": "{{1}}",
            "button": "Vybrat",
            "items": [
                {"item": f"Card •••• 10{n}{n}", "id": f"card:{n}", "description": str(n)}
                for n in range(1, 6)
            ],
        }
    }
    assert sent(double)[0]["ContentSid"] == f"HX{1:032x}"


async def test_three_buttons_with_long_titles_are_a_list(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, _ = twilio
    buttons = (Button("Transfer to a card", "a"), Button("Pay a bill or invoice", "b"))
    await adapter.send(out(Buttons("What next?", buttons)))
    assert "twilio/list-picker" in double.calls_to("/v1/Content")[0].json()["types"]


async def test_buttons_that_fit_no_interactive_type_are_numbered_text(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, _ = twilio
    text = "Terms. " * 200  # 1400 characters: more than an interactive body's 1024
    await adapter.send(out(Buttons(text, (Button("Agree", "yes"), Button("No", "no")))))
    assert double.calls_to("/v1/Content") == []
    bodies = [f["Body"] for f in sent(double)]
    assert bodies[-1].endswith("1. Agree\n2. No")
    assert all(len(b) <= 1600 for b in bodies)


async def test_a_refused_content_still_sends_the_choices(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, responder = twilio
    responder.overrides[("POST", "/v1/Content")] = Answer(
        400, {"code": 20001, "message": "Invalid types", "status": 400}
    )
    await adapter.send(out(Buttons("Pick one", (Button("A", "a"), Button("B", "b")))))
    assert sent(double) == [base(Body="Pick one\n\n1. A\n2. B")]


async def test_a_content_api_outage_is_retried(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, responder = twilio
    responder.overrides[("POST", "/v1/Content")] = Answer(503, {"status": 503})
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(out(Buttons("Pick one", (Button("A", "a"),))))
    assert not raised.value.permanent
    assert sent(double) == []


async def test_image_and_document_by_public_url(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    await adapter.send(out(Image("m1", caption="Your card")))
    await adapter.send(out(Document("m2", "statement.pdf")))
    assert sent(twilio[0]) == [
        base(MediaUrl=f"{PUBLIC}/webchat/media/m1", Body="Your card"),
        base(MediaUrl=f"{PUBLIC}/webchat/media/m2"),
    ]


async def test_secure_link_handoff_and_contact_request_are_text(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    await adapter.send(out(SecureLink("https://bank.example/s/abc", "Set your PIN here:", "Open")))
    await adapter.send(out(HandoffNotice("A colleague will answer shortly.", "waiting")))
    await adapter.send(out(RequestContact("Share your number", "Share")))
    assert [f["Body"] for f in sent(twilio[0])] == [
        "Set your PIN here:\n\nhttps://bank.example/s/abc",
        "A colleague will answer shortly.",
        "Share your number",
    ]


def test_capabilities_degrade_as_whatsapp_shows() -> None:
    caps = TwilioWhatsAppAdapter.capabilities
    assert (caps.max_text, caps.max_buttons, caps.max_button_title) == (1600, 10, 24)
    assert caps.images
    assert caps.documents
    assert not caps.request_contact
    assert degrade(RequestContact("Share your number", "Share"), caps) == [
        Text("Share your number")
    ]
    eleven = Buttons("Pick", tuple(Button(str(n), str(n)) for n in range(11)))
    assert isinstance(degrade(eleven, caps)[0], Text)
    assert TwilioWhatsAppAdapter.window_hours == 24
    assert TwilioWhatsAppAdapter.limits.per_second == 80
    assert TwilioWhatsAppAdapter.name == "whatsapp_twilio"
    assert isinstance(caps, Capabilities)


# -- outside the 24-hour window --------------------------------------------------------------


async def test_window_closed_text_uses_the_notification_template(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    await adapter.send(out(Text("You received 50 EUR."), window_open=False))
    await adapter.send(out(Text("Přišlo vám 50 EUR."), window_open=False, language="cs"))
    await adapter.send(out(Text("Money!"), window_open=False, language="de"))
    assert sent(twilio[0]) == [
        base(
            ContentSid="HX00000000000000000000000000000001",
            ContentVariables=json.dumps({"1": "You received 50 EUR."}),
        ),
        base(
            ContentSid="HX00000000000000000000000000000002",
            ContentVariables=json.dumps({"1": "Přišlo vám 50 EUR."}, ensure_ascii=False),
        ),
        base(
            ContentSid="HX00000000000000000000000000000001",  # English when none
            ContentVariables=json.dumps({"1": "Money!"}),
        ),
    ]


async def test_window_closed_long_text_is_cut_to_the_variable(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    await adapter.send(out(Text("x" * 1500), window_open=False))
    variable = json.loads(sent(twilio[0])[0]["ContentVariables"])["1"]
    assert len(variable) == 1024
    assert variable.endswith("…")


@pytest.mark.parametrize(
    "reply",
    [
        Buttons("Pick", (Button("A", "a"),)),
        Image("m1"),
        Document("m2", "statement.pdf"),
    ],
)
async def test_window_closed_rich_replies_fail_for_good(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio], reply: Reply
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(out(reply, window_open=False))
    assert raised.value.permanent
    assert raised.value.reason == "24-hour window closed"
    assert twilio[0].calls == []


async def test_window_closed_without_a_template_fails_for_good(
    twilio: tuple[PlatformDouble, Twilio], http: httpx.AsyncClient
) -> None:
    adapter = make_adapter(twilio[0], http, templates=Templates({}))
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(out(Text("Hello"), window_open=False))
    assert raised.value.permanent
    assert twilio[0].calls == []


# -- error mapping ---------------------------------------------------------------------------


def refuse(status: int, code: int | None = None, **headers: str) -> Answer:
    body = {"status": status, "message": f"The 'To' number {USER} is not valid"}
    if code is not None:
        body["code"] = code
    return Answer(status, body, headers=headers)


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after"),
    [
        (refuse(429, 20429, **{"Retry-After": "7"}), False, 7.0),
        (refuse(429, 20429), False, 1.0),
        (refuse(400, 63018), False, 1.0),
        (refuse(400, 63016), True, None),
        (refuse(400, 21211), True, None),
        (refuse(400, 21614), True, None),
        (refuse(401, 20003), True, None),
        (refuse(403, 20403), True, None),
        (refuse(404), True, None),
        (refuse(500), False, None),
        (refuse(503, 20503), False, None),
        (Answer(502, b"<html>bad gateway</html>", content_type="text/html"), False, None),
    ],
)
async def test_errors(
    adapter: TwilioWhatsAppAdapter,
    twilio: tuple[PlatformDouble, Twilio],
    answer: Answer,
    permanent: bool,
    retry_after: float | None,
) -> None:
    twilio[1].overrides[("POST", "/Messages.json")] = answer
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(out(Text("my card is 4111 1111 1111 1111")))
    error = raised.value
    assert (error.permanent, error.retry_after) == (permanent, retry_after)
    for secret in (TOKEN, "4111", USER):
        assert secret not in error.reason
    if isinstance(answer.body, dict) and answer.body.get("code") == 63016:
        assert error.reason == "24-hour window closed"


async def test_timeout_is_retried(twilio: tuple[PlatformDouble, Twilio]) -> None:
    def slow(call: Call) -> Answer:
        time.sleep(0.5)
        return Answer(201, {"sid": "SM1"})

    twilio[1].overrides[("POST", "/Messages.json")] = slow
    async with httpx.AsyncClient(timeout=0.1, trust_env=False) as quick:
        adapter = make_adapter(twilio[0], quick)
        with pytest.raises(DeliveryError) as raised:
            await adapter.send(out(Text("hello")))
    assert not raised.value.permanent
    assert "timeout" in raised.value.reason


async def test_unreachable_is_retried(http: httpx.AsyncClient) -> None:
    config = TwilioWhatsAppConfig(
        account_sid=SID,
        auth_token=TOKEN,
        from_number=FROM,
        public_url=PUBLIC,
        api_url="http://127.0.0.1:9",  # discard port: nothing listens
    )
    adapter = TwilioWhatsAppAdapter(config, AdapterDeps(http, Pictures()))
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(out(Text("hello")))
    assert not raised.value.permanent
    assert TOKEN not in raised.value.reason


def test_content_api_follows_the_api_url() -> None:
    def config(api_url: str, content: str | None = None) -> TwilioWhatsAppConfig:
        return TwilioWhatsAppConfig(SID, TOKEN, FROM, PUBLIC, api_url, content_api_url=content)

    assert config("https://api.twilio.com").content_api == CONTENT_API
    assert config("http://127.0.0.1:5000/").content_api == "http://127.0.0.1:5000"
    assert config("https://api.twilio.com", "http://c.test").content_api == "http://c.test"
    assert TOKEN not in repr(config("https://api.twilio.com"))


# -- prepare: downloads ----------------------------------------------------------------------


def media_received(url: str, content_type: str = "image/jpeg") -> Received:
    inbound = Inbound("whatsapp_twilio", USER, "MM21151abfaadc1fb79b782f8460862a52", Kind.IMAGE)
    return Received(inbound, {"url": url, "content_type": content_type})


async def test_prepare_downloads_then_deletes_the_media(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, _ = twilio
    inbound = await adapter.prepare(media_received(double.url + MEDIA_PATH))
    assert inbound.attachment is not None
    assert inbound.attachment.data == JPEG
    assert inbound.attachment.content_type == "image/jpeg"
    assert inbound.attachment.filename == "upload.jpg"
    assert inbound.kind is Kind.IMAGE
    fetched = [c for c in double.calls if c.method == "GET"]
    assert [c.path for c in fetched] == [MEDIA_PATH, "/storage/photo"]
    assert fetched[0].headers["authorization"] == BASIC
    deleted = [c for c in double.calls if c.method == "DELETE"]
    assert [c.path for c in deleted] == [MEDIA_PATH + ".json"]
    assert deleted[0].headers["authorization"] == BASIC


async def test_prepare_survives_a_failed_delete(
    adapter: TwilioWhatsAppAdapter,
    twilio: tuple[PlatformDouble, Twilio],
    caplog: pytest.LogCaptureFixture,
) -> None:
    double, responder = twilio
    responder.overrides[("DELETE", ".json")] = Answer(500, {"status": 500})
    inbound = await adapter.prepare(media_received(double.url + MEDIA_PATH))
    assert inbound.attachment is not None
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("bots.whatsapp_twilio")
    )
    assert "not deleted" in ours
    assert TOKEN not in ours
    assert "/Media/" not in ours


async def test_prepare_refuses_more_than_10_mb(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    double, responder = twilio
    responder.overrides[("GET", "/storage/photo")] = Answer(
        200, b"\0" * (10 * 1024 * 1024 + 1), content_type="image/jpeg"
    )
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(media_received(double.url + MEDIA_PATH))
    assert raised.value.permanent
    assert [c.method for c in double.calls].count("DELETE") == 1  # not kept at Twilio


@pytest.mark.parametrize(("status", "permanent"), [(404, True), (503, False), (429, False)])
async def test_prepare_errors(
    adapter: TwilioWhatsAppAdapter,
    twilio: tuple[PlatformDouble, Twilio],
    status: int,
    permanent: bool,
) -> None:
    double, responder = twilio
    responder.overrides[("GET", MEDIA_PATH)] = Answer(status, {"status": status})
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(media_received(double.url + MEDIA_PATH))
    assert raised.value.permanent is permanent
    assert TOKEN not in raised.value.reason


async def test_prepare_never_sends_credentials_elsewhere(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(media_received("https://evil.example/Media/ME1"))
    assert raised.value.permanent
    assert twilio[0].calls == []


async def test_prepare_passes_messages_without_media(adapter: TwilioWhatsAppAdapter) -> None:
    inbound = Inbound("whatsapp_twilio", USER, "SM1", Kind.TEXT, text="hi")
    assert await adapter.prepare(Received(inbound)) is inbound


# -- check and setup -------------------------------------------------------------------------


async def test_check_all_fine(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    checks = await adapter.check()
    assert [c.ok for c in checks] == [True, True, True, True], checks
    account = twilio[0].calls_to(f"/Accounts/{SID}.json")
    assert account[0].headers["authorization"] == BASIC
    webhook = checks[2]
    assert f"{PUBLIC}/webhooks/whatsapp/twilio" in webhook.fix
    approvals = twilio[0].calls_to("/ApprovalRequests")
    assert sorted(c.path for c in approvals) == [
        f"/v1/Content/HX0000000000000000000000000000000{n}/ApprovalRequests" for n in (1, 2, 3, 4)
    ]
    for check in checks:
        assert TOKEN not in check.detail + check.fix


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (Answer(401, {"code": 20003, "status": 401}), "credentials refused"),
        (Answer(200, {"sid": SID, "status": "suspended"}), "suspended"),
        (Answer(500, {"status": 500}), "HTTP 500"),
    ],
)
async def test_check_account_problems(
    adapter: TwilioWhatsAppAdapter,
    twilio: tuple[PlatformDouble, Twilio],
    answer: Answer,
    detail: str,
) -> None:
    twilio[1].overrides[("GET", f"/Accounts/{SID}.json")] = answer
    account = (await adapter.check())[0]
    assert not account.ok
    assert detail in account.detail
    assert account.fix


async def test_check_templates_not_approved(
    adapter: TwilioWhatsAppAdapter, twilio: tuple[PlatformDouble, Twilio]
) -> None:
    twilio[1].overrides[("GET", "01/ApprovalRequests")] = Answer(404, {"status": 404})
    twilio[1].overrides[("GET", "02/ApprovalRequests")] = Answer(
        200, {"whatsapp": {"status": "pending"}}
    )
    template = (await adapter.check())[3]
    assert not template.ok
    assert "HX00000000000000000000000000000001 does not exist" in template.detail
    assert "HX00000000000000000000000000000002 is pending" in template.detail
    assert "approval" in template.fix


async def test_check_without_templates_and_with_a_bad_sender(
    twilio: tuple[PlatformDouble, Twilio], http: httpx.AsyncClient
) -> None:
    config = TwilioWhatsAppConfig(SID, TOKEN, "+14123456789", "http://bank.example", twilio[0].url)
    checks = await TwilioWhatsAppAdapter(config, AdapterDeps(http, Pictures())).check()
    assert [c.ok for c in checks] == [True, False, False, False]
    assert "whatsapp:+" in checks[1].fix


async def test_setup_says_what_to_paste(adapter: TwilioWhatsAppAdapter) -> None:
    text = await adapter.setup("https://other.example/webhooks/whatsapp_twilio")
    assert f"{PUBLIC}/webhooks/whatsapp/twilio " in text
    assert f"{PUBLIC}/webhooks/whatsapp/twilio/status" in text
    assert "https://other.example/webhooks/whatsapp_twilio" in text  # said it is not used
    assert TOKEN not in text
    plain = await adapter.setup(f"{PUBLIC}/webhooks/whatsapp/twilio")
    assert "Not " not in plain


# -- deep links ------------------------------------------------------------------------------


def test_deep_link() -> None:
    link = deep_link("+44 7700 900123", "TELLERAB12")
    assert link == (
        "https://wa.me/447700900123?text=Hi%20Teller%21%20My%20invite%20code%3A%20TELLERAB12"
    )
    text = parse_qs(urlsplit(link).query)["text"][0]
    assert code_from_text(text) == "TELLERAB12"
    assert unquote(link.split("text=")[1]) == "Hi Teller! My invite code: TELLERAB12"
    with pytest.raises(ValueError, match="digits"):
        deep_link("", "X")


def test_adapter_deep_link(adapter: TwilioWhatsAppAdapter) -> None:
    assert adapter.deep_link("ABCD2345").startswith("https://wa.me/14123456789?text=Hi%20Teller")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hi Teller! My invite code: TELLERAB12", "TELLERAB12"),
        ("hello there, my invite code:TELLERAB12 thanks!", "TELLERAB12"),
        ("Hi! INVITE CODE TELLERAB12.", "TELLERAB12"),
        ("Hi Teller! My invite code: tellerab12\nI'm Jana", "tellerab12"),
        ("invite code is ab-CD-23", "ab-CD-23"),
        ("Hi Teller! My invite code: ", None),
        ("Hi Teller! My invite code: X", None),
        ("What is an invite?", None),
        ("", None),
    ],
)
def test_code_from_text(text: str, code: str | None) -> None:
    assert code_from_text(text) == code
