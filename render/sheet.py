"""A canvas for one picture: Pillow drawing with our fonts, and a record of every string
drawn (the tests read it to prove no glyph is missing and no secret is drawn)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from render.fonts import Weight, drawable, font
from render.text import fit, wrap

Colour = tuple[int, int, int]


@dataclass
class Sheet:
    image: Image.Image
    drawn: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image)

    @classmethod
    def blank(cls, width: int, height: int, colour: Colour = (255, 255, 255)) -> Sheet:
        return cls(Image.new("RGB", (width, height), colour))

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        *,
        weight: Weight = Weight.REGULAR,
        fill: Colour = (20, 24, 31),
        anchor: str = "la",
        max_width: float | None = None,
    ) -> float:
        """Draw one line (cut with ``…`` past ``max_width``); returns its width."""
        face = font(weight, size)
        line = drawable(text, weight)
        if max_width is not None:
            line = fit(line, face, max_width)
        self.draw.text(xy, line, font=face, fill=fill, anchor=anchor)
        self.drawn.append(line)
        return face.getlength(line)

    def paragraph(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        *,
        max_width: float,
        max_lines: int,
        weight: Weight = Weight.REGULAR,
        fill: Colour = (20, 24, 31),
        leading: float = 1.3,
        anchor: str = "la",
    ) -> float:
        """Draw ``text`` wrapped; returns the height it took."""
        face = font(weight, size)
        lines = wrap(drawable(text, weight), face, max_width, max_lines)
        x, y = xy
        for index, line in enumerate(lines):
            self.draw.text(
                (x, y + index * size * leading), line, font=face, fill=fill, anchor=anchor
            )
            self.drawn.append(line)
        return len(lines) * size * leading
