"""How top-ups and card payouts pace themselves; the composition root sets these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class CardMoneyConfig:
    # Where the acquirer posts its signed callbacks (Teller's public address + the route).
    callback_url: str = "http://127.0.0.1:8000/api/v1/acquirer/callbacks"
    # How long a customer has to pay on the hosted page; after it the session is expired.
    session_ttl: timedelta = timedelta(minutes=30)
    # How often the sweeps look for expired sessions, and for payouts due a step. Periods
    # that divide a minute, so cron (procrastinate) can run them evenly.
    sweep_every: timedelta = timedelta(seconds=30)
    payout_sweep_every: timedelta = timedelta(seconds=5)
    # First wait before asking the network about a submitted payout (then doubling).
    poll_interval: timedelta = timedelta(seconds=5)
    # A payout still "created" this long after its request is carried on by the sweep
    # (its request died between recording it and taking the money).
    stuck_after: timedelta = timedelta(minutes=2)
    # For this long a payout the network could not be reached for is retried; after it,
    # one the network never received fails and its money goes back.
    submit_window: timedelta = timedelta(hours=1)
