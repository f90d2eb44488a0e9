"""SMS through Twilio's Messages API (``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
``TWILIO_SMS_FROM``; ``TWILIO_API_URL`` points it at a test double)."""

from __future__ import annotations

import httpx


class SmsFailed(RuntimeError):
    pass


class TwilioSms:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        api_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._sender = sender
        self._timeout = timeout
        self._transport = transport  # a test double's, or httpx's own

    async def send_code(self, to: str, text: str) -> None:
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            response = await client.post(
                self._url, auth=self._auth, data={"To": to, "From": self._sender, "Body": text}
            )
        if response.status_code >= 300:
            # Twilio's error code only: the body can echo the message, which holds the code.
            code = response.json().get("code") if response.content else None
            raise SmsFailed(f"Twilio refused the SMS: HTTP {response.status_code}, code {code}")
