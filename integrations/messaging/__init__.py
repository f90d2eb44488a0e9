"""Delivering one-time codes: SMS through Twilio, e-mail through SMTP, and the development
outbox (the default outside production), all with ``send_code(to, text)``."""
