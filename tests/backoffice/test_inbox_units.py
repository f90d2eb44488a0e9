"""The inbox's pure parts: handoff cycles and their times, canned responses, durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backoffice.inbox import canned
from backoffice.inbox.panel import masked
from backoffice.inbox.routes import duration
from backoffice.inbox.times import averages, cycles, start_of_day
from backoffice.sessions import LANGUAGES

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_each_request_for_a_person_is_its_own_cycle() -> None:
    found = cycles(
        [
            (at(0), "agent_replied"),  # before any request we read: ignored
            (at(1), "handoff_requested"),
            (at(3), "handoff_claimed"),
            (at(4), "agent_replied"),
            (at(6), "agent_replied"),
            (at(10), "handoff_released"),
            (at(20), "handoff_requested"),
            (at(25), "handoff_assigned"),
        ]
    )
    assert len(found) == 2
    first, second = found
    assert first.claimed == at(3)
    assert first.first_response_time == timedelta(minutes=3)
    assert first.resolution_time == timedelta(minutes=9)
    assert second.claimed == at(25)
    assert second.first_response_time is None
    assert second.resolution_time is None


def test_a_request_left_unanswered_is_replaced_by_the_next() -> None:
    found = cycles([(at(0), "handoff_requested"), (at(5), "handoff_requested")])
    assert [c.requested for c in found] == [at(0), at(5)]
    assert all(c.first_response is None for c in found)


def test_averages_count_what_was_answered_or_resolved_since_the_day_began() -> None:
    yesterday = cycles(
        [
            (at(-24 * 60), "handoff_requested"),
            (at(-24 * 60 + 2), "agent_replied"),
            (at(30), "handoff_released"),  # resolved today after a day and a half hour
        ]
    )
    today = cycles([(at(1), "handoff_requested"), (at(5), "agent_replied")])
    result = averages([yesterday, today], start_of_day(T0))
    assert result.first_responses == 1
    assert result.first_response == timedelta(minutes=4)
    assert result.resolved == 1
    assert result.resolution == timedelta(hours=24, minutes=30)
    empty = averages([], start_of_day(T0))
    assert empty.first_response is None
    assert empty.resolved == 0


def test_every_canned_response_exists_in_every_language() -> None:
    keys = {language: list(canned.catalog()[language]) for language in LANGUAGES}
    assert keys["en"]
    assert all(k == keys["en"] for k in keys.values())
    for language in LANGUAGES:
        for response in canned.for_language(language):
            assert response.title
            assert len(response.text) > 40
    assert next(r.title for r in canned.for_language("uk")) == "Привітання"
    assert canned.for_language("de") == canned.for_language("en")


def test_durations_and_masks_for_people() -> None:
    assert duration("en", timedelta(seconds=42)) == "42 s"
    assert duration("en", timedelta(minutes=12, seconds=59)) == "12 min"
    assert duration("cs", timedelta(hours=3, minutes=5)) == "3 h 05 min"
    assert duration("uk", None) == "—"
    assert masked("CZ6508000000192000145399") == "•• 5399"
