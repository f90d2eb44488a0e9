"""From webhooks to turns and from the outbox to the messengers: the intake, the inbound
worker, the delivery worker and the shared rate limits."""
