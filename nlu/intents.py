"""Teller's command intents. The 77 BANKING77 support intents keep their dataset names
(``nlu/data/banking77_categories.json``); these names never collide with them."""

from __future__ import annotations

COMMANDS = (
    "balance",
    "statement",
    "transfer",
    "top_up",
    "pay_bills",
    "exchange",
    "card_lock",
    "card_unlock",
    "card_block",
    "card_pin",
    "card_limits",
    "card_show",
    "bank_details",
    "get_card",
    "invite_friends",
    "human_handoff",
    "greet",
    "thanks",
    "bye",
    "affirm",
    "deny",
    "cancel",
    "back",
    "help",
    "change_language",
)
# A message we cannot place: empty, emoji only, garbage.
FALLBACK = "nlu_fallback"
LANGUAGES = ("en", "cs", "ru", "uk")
