"""Telegram: webhook (or long polling in development), Bot API replies, deep links."""

from bots.telegram.adapter import TelegramAdapter
from bots.telegram.config import TelegramConfig
from bots.telegram.links import deep_link

__all__ = ["TelegramAdapter", "TelegramConfig", "deep_link"]
