"""Facebook Messenger: a Page's conversations, webhooks signed with the App Secret, replies
through the Graph API's Send API with httpx (no SDK), message tags outside the window."""

from bots.messenger.adapter import MessengerAdapter
from bots.messenger.config import MessengerConfig
from bots.messenger.links import deep_link

__all__ = ["MessengerAdapter", "MessengerConfig", "deep_link"]
