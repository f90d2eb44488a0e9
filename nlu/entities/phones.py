"""Phone numbers, found and validated by libphonenumber's matcher, in E.164."""

from __future__ import annotations

import phonenumbers

from nlu.entities.candidates import RULES, Candidate, Rank
from nlu.result import Entity

# The region a number without a country code is read in, by the customer's language.
REGIONS = {"en": "GB", "cs": "CZ", "ru": "RU", "uk": "UA"}
# libphonenumber gives up after this many failed candidates; our texts are short, and a
# long one full of digit runs should not keep it busy.
_MAX_TRIES = 200


def find(text: str, language: str) -> list[Candidate]:
    """Valid phone numbers; those typed with a country code outrank dates and amounts."""
    region = REGIONS.get(language, "GB")
    matcher = phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID, max_tries=_MAX_TRIES
    )
    found: list[Candidate] = []
    for match in matcher:
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        entity = Entity("phone", e164, match.start, match.end, RULES)
        international = match.raw_string.lstrip().startswith("+")
        rank = Rank.INTERNATIONAL_PHONE if international else Rank.PHONE
        found.append(Candidate(entity, rank))
    return found
