"""Foreign exchange: reference rates, quotes with a spread, exchanges through the ledger."""
