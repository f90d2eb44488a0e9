"""WhatsApp through Meta's Cloud API: webhooks signed with the App Secret, replies through
the Graph API with httpx (no SDK), notifications outside the 24-hour window as templates."""

from bots.whatsapp_cloud.adapter import CloudWhatsAppAdapter
from bots.whatsapp_cloud.config import CloudWhatsAppConfig
from bots.whatsapp_cloud.links import code_from_text, deep_link

__all__ = ["CloudWhatsAppAdapter", "CloudWhatsAppConfig", "code_from_text", "deep_link"]
