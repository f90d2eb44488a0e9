"""The ECB's daily euro foreign exchange reference rates, as ``eurofxref-daily.xml``.

The file (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/)
is a GESMES envelope with one dated ``Cube`` holding a ``Cube`` per currency::

    <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                     xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
      <gesmes:subject>Reference rates</gesmes:subject>
      <Cube><Cube time='2026-02-27'><Cube currency='USD' rate='1.1682'/>...</Cube></Cube>
    </gesmes:Envelope>

Rates are units of the currency per 1 EUR. The ECB publishes them around 16:00 CET on
TARGET working days; a day's rates are taken as set at 15:00 UTC (16:00 CET; in summer
time the ECB's 16:00 is 14:00 UTC, an hour earlier, which a staleness limit counted in
days does not feel).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from core.fx.errors import RatesSourceFailed
from core.ports import RatesSnapshot

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
SOURCE = "ecb"
PUBLISHED_AT = time(15, 0, tzinfo=UTC)
_GESMES = "{http://www.gesmes.org/xml/2002-08-01}"
_REF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
_CODE = re.compile(r"[A-Z]{3}")
_RATE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
MAX_BYTES = 256 * 1024  # the real file is under 2 KB


def _invalid(reason: str) -> RatesSourceFailed:
    return RatesSourceFailed("the ECB rates file is not valid", source=SOURCE, reason=reason)


def _day(envelope: Element) -> Element:
    if envelope.tag != f"{_GESMES}Envelope":
        raise _invalid("not a GESMES envelope")
    days = envelope.findall(f"{_REF}Cube/{_REF}Cube")
    if len(days) != 1 or days[0].get("time") is None:
        raise _invalid("expected exactly one dated Cube")
    return days[0]


def parse_daily(body: bytes) -> RatesSnapshot:
    """The rates in an ``eurofxref-daily.xml`` body; ``RatesSourceFailed`` if malformed.

    All or nothing: a currency without a rate, a rate that is not a plain positive
    decimal, or a currency given twice makes the whole file invalid.
    """
    try:
        # defusedxml: no entity expansion or external entities from a network document.
        day = _day(fromstring(body))
        published = date.fromisoformat(day.get("time", ""))
    except (ParseError, DefusedXmlException) as exc:
        raise _invalid(type(exc).__name__) from exc
    except ValueError as exc:
        raise _invalid("the date is not an ISO date") from exc
    rates: dict[str, Decimal] = {}
    for cube in day:
        code, rate = cube.get("currency", ""), cube.get("rate", "")
        if cube.tag != f"{_REF}Cube" or not _CODE.fullmatch(code) or not _RATE.fullmatch(rate):
            raise _invalid("a currency without a valid code or rate")
        if code in rates:
            raise _invalid(f"{code} is given twice")
        value = Decimal(rate)
        if value <= 0:
            raise _invalid(f"{code} has a rate of zero")
        rates[code] = value
    if not rates:
        raise _invalid("no rates")
    return RatesSnapshot(SOURCE, datetime.combine(published, PUBLISHED_AT), rates)


class EcbRatesSource:
    """``RatesSource`` over the ECB's daily reference rates file, fetched with httpx.

    ``url`` is configurable (``TELLER_FX_ECB_URL``) so that a mirror, a proxy or a test
    double on loopback can stand in for the ECB.
    """

    def __init__(
        self,
        url: str = ECB_DAILY_URL,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Prepare the source; nothing connects until :meth:`fetch`."""
        self._url = url
        self._timeout = timeout
        self._transport = transport

    def __repr__(self) -> str:
        return f"EcbRatesSource({self._url!r})"

    async def fetch(self) -> RatesSnapshot:
        """Download and parse the daily file; ``RatesSourceFailed`` on any failure."""
        try:
            # A client per fetch: one request a refresh, hours apart.
            async with httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport, follow_redirects=True
            ) as client:
                response = await client.get(
                    self._url, headers={"Accept": "application/xml, text/xml"}
                )
        except httpx.HTTPError as exc:
            raise RatesSourceFailed(
                "the ECB did not answer", source=SOURCE, reason=type(exc).__name__
            ) from exc
        if response.status_code != 200:
            raise RatesSourceFailed(
                "the ECB refused the request", source=SOURCE, status=response.status_code
            )
        if len(response.content) > MAX_BYTES:
            raise _invalid("the file is far larger than a rates file")
        return parse_daily(response.content)
