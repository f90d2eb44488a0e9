"""The web chat: a page served by Teller, its HTTP API and a WebSocket for later messages."""
