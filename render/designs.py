"""Card designs per tier: colours and the name printed on the card."""

from __future__ import annotations

from dataclasses import dataclass

from render.sheet import Colour


@dataclass(frozen=True, slots=True)
class CardDesign:
    title: str  # the product name, printed as is in every language
    start: Colour  # the gradient runs from the top-right corner ...
    end: Colour  # ... to the bottom-left one
    ink: Colour  # text and marks
    accent: Colour  # the brand mark's second colour


DESIGNS = {
    "digital": CardDesign(
        "Digital Tariff", (13, 148, 136), (49, 46, 129), (255, 255, 255), (94, 234, 212)
    ),
    "standard": CardDesign(
        "Standard", (71, 85, 105), (15, 23, 42), (255, 255, 255), (148, 163, 184)
    ),
    "premium": CardDesign("Premium", (28, 25, 23), (120, 53, 15), (253, 230, 138), (251, 191, 36)),
}
DEFAULT = "standard"


def design_for(tier: str) -> CardDesign:
    """The tier's design; a tier we have no design for looks standard."""
    return DESIGNS.get(tier.lower(), DESIGNS[DEFAULT])
