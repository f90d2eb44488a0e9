"""The Bot API over the pipeline's httpx client: ``POST {api_url}/bot{token}/{method}``.

Every URL here holds the bot token, so no URL may escape: :class:`ApiError` carries the
method, Telegram's status and description and nothing of the request, and httpx's own
exceptions are never chained, not even as context: their ``request.url`` has the token.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

# (filename, bytes, content type) for one multipart file field.
Upload = tuple[str, bytes, str]

MAX_DESCRIPTION = 200


class ApiError(Exception):
    """A Bot API call that failed. ``status`` None: no answer (timeout, connection)."""

    def __init__(
        self, method: str, status: int | None, description: str, retry_after: float | None = None
    ) -> None:
        super().__init__(f"telegram {method}: {status or 'no answer'} {description}")
        self.method = method
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FileTooLarge(Exception):
    """A download passed its byte limit (nothing beyond the limit was kept)."""


class BotApi:
    def __init__(self, http: httpx.AsyncClient, api_url: str, token: str) -> None:
        self._http = http
        self._base = api_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"BotApi({self._base!r})"

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        files: dict[str, Upload] | None = None,
        seconds: float | None = None,
    ) -> Any:
        """Telegram's ``result``, or :class:`ApiError`. ``seconds`` replaces the client's
        timeout (a long poll waits longer than any ordinary call)."""
        url = f"{self._base}/bot{self._token}/{method}"
        extra: dict[str, Any] = {} if seconds is None else {"timeout": seconds}
        failure = ""
        try:
            if files:
                response = await self._http.post(
                    url, data=_form(params or {}), files=files, **extra
                )
            else:
                response = await self._http.post(url, json=params or {}, **extra)
        except httpx.TimeoutException:
            failure = "timed out"
        except httpx.HTTPError as exc:  # its type only: its message may hold the URL
            failure = f"connection failed ({type(exc).__name__})"
        if failure:  # raised outside the handler: httpx's exception is not even the context
            raise ApiError(method, None, failure)
        return _result(method, response)

    async def download(self, file_path: str, limit: int) -> bytes:
        """The file ``getFile`` named, read up to ``limit`` bytes (:class:`FileTooLarge`
        beyond). The URL holds the token: it is built here and goes nowhere else."""
        url = f"{self._base}/file/bot{self._token}/{quote(file_path)}"
        chunks: list[bytes] = []
        size = 0
        failure = ""
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ApiError("download", response.status_code, "file not served")
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FileTooLarge
                    chunks.append(chunk)
        except httpx.TimeoutException:
            failure = "timed out"
        except httpx.HTTPError:
            failure = "connection failed"
        if failure:
            raise ApiError("download", None, failure)
        return b"".join(chunks)


def _form(params: dict[str, Any]) -> dict[str, str]:
    """Multipart fields are strings; objects (reply_markup) go as JSON, as the API says."""
    form: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            form[key] = "true" if value else "false"
        elif isinstance(value, dict | list):
            form[key] = json.dumps(value)
        else:
            form[key] = str(value)
    return form


def _result(method: str, response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(method, response.status_code, f"HTTP {response.status_code}")
    if response.status_code == 200 and body.get("ok") is True:
        return body.get("result")
    status = body.get("error_code")
    if not isinstance(status, int) or isinstance(status, bool):
        status = response.status_code
    description = body.get("description")
    description = description[:MAX_DESCRIPTION] if isinstance(description, str) else ""
    retry_after = None
    parameters = body.get("parameters")
    if isinstance(parameters, dict):
        value = parameters.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool):
            retry_after = float(value)
    raise ApiError(method, status, description, retry_after)
