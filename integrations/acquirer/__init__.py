"""Card acceptance for top-ups: the :class:`~core.ports.Acquirer` port's adapters.

``simulator`` is the development default: an acquirer in this process that serves its
own hosted payment page (``pages``, mounted by Teller under ``/dev/acquirer`` in
development only), with test cards, a 3-D Secure step and signed callbacks
(``signature``, ``notices``). What a real acquirer's adapter maps to is in
docs/decisions/0045.
"""
