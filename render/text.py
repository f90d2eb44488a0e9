"""Fitting text into a width: wrapping at spaces, cutting with an ellipsis.

A name of two hundred characters must still produce a sane picture, so every string we
draw goes through here first.
"""

from __future__ import annotations

from PIL import ImageFont

ELLIPSIS = "…"


def width(text: str, face: ImageFont.FreeTypeFont) -> float:
    return face.getlength(text)


def fit(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text`` as it is when it fits, else cut at a character boundary with ``…``."""
    if width(text, face) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip() + ELLIPSIS, face) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap(text: str, face: ImageFont.FreeTypeFont, max_width: float, max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines no wider than ``max_width``; words longer
    than a line are cut; what does not fit ends the last line with ``…``."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if width(candidate, face) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if len(lines) == max_lines:
            lines[-1] = fit(lines[-1] + " " + " ".join(words[index:]), face, max_width)
            return lines
        current = word if width(word, face) <= max_width else fit(word, face, max_width)
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], fit(rest, face, max_width)]
    return lines
