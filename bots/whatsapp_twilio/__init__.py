"""WhatsApp through Twilio Programmable Messaging.

``TwilioWhatsAppAdapter(TwilioWhatsAppConfig(...), deps)``: webhooks at
``/webhooks/whatsapp/twilio`` and ``/webhooks/whatsapp/twilio/status``, replies through
Twilio's Messages API (buttons through the Content API, decision 0073), wa.me links.
"""

from bots.whatsapp_twilio.adapter import TwilioWhatsAppAdapter
from bots.whatsapp_twilio.config import TwilioWhatsAppConfig
from bots.whatsapp_twilio.links import code_from_text, deep_link

__all__ = ["TwilioWhatsAppAdapter", "TwilioWhatsAppConfig", "code_from_text", "deep_link"]
