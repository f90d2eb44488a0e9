"""Payouts to cards of other banks: the :class:`~core.ports.CardNetwork` port's adapters.

``simulator`` is the development default. What a real network's adapter maps to (Visa
Direct's original credit transactions, Mastercard Move) is in docs/decisions/0045.
"""
