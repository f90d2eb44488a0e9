"""A card network as the bank sees it: the simulator that calls ``/card-processing``."""

from integrations.cardnet.simulator import (
    Behaviour,
    CardNetworkSimulator,
    CardPurchase,
    NetworkAnswer,
    NetworkError,
)

__all__ = ["Behaviour", "CardNetworkSimulator", "CardPurchase", "NetworkAnswer", "NetworkError"]
