"""Cards: virtual debit cards, their vault, controls, processing and cashback.

``service.CardService`` is the entry point (``bank.cards``); ``model`` holds the rules,
``vault`` the card data's protection, ``processing``/``settlement`` what card processors
ask, ``cashback`` the rewards. See docs/decisions/0014-0019.
"""
