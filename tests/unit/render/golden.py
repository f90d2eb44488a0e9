"""Comparing a rendered picture with its golden copy in ``tests/golden/render``.

Run with ``TELLER_UPDATE_GOLDENS=1`` to write the goldens afresh, then look at each one
before committing it. The comparison forgives what another FreeType or Pillow build
changes (a few antialiased edge pixels) and catches what a person would notice.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

GOLDENS = Path(__file__).resolve().parents[2] / "golden" / "render"
UPDATE = "TELLER_UPDATE_GOLDENS"

# A pixel differs when any channel moved by more than this; a picture matches while fewer
# than MAX_DIFFERING of its pixels differ.
CHANNEL_TOLERANCE = 32
MAX_DIFFERING = 0.005


def assert_matches_golden(image_bytes: bytes, name: str) -> None:
    """Fail unless the picture in ``image_bytes`` looks like ``tests/golden/render/<name>``
    (``.png`` is added when ``name`` has no suffix)."""
    path = GOLDENS / (name if Path(name).suffix else f"{name}.png")
    actual = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        actual.save(path, "PNG", optimize=True)
        return
    assert path.exists(), f"no golden {path}; run the test with {UPDATE}=1 and look at it"
    expected = Image.open(path).convert("RGB")
    assert actual.size == expected.size, (
        f"{name}: {actual.size} drawn, {expected.size} in the golden"
    )
    share = differing_share(actual, expected)
    if share >= MAX_DIFFERING:
        kept = _keep(actual, path.name)
        raise AssertionError(
            f"{name}: {share:.2%} of pixels differ from the golden (allowed "
            f"{MAX_DIFFERING:.1%}); the picture drawn is at {kept}"
        )


def differing_share(actual: Image.Image, expected: Image.Image) -> float:
    """The share of pixels where some channel differs by more than the tolerance."""
    channels = ImageChops.difference(actual, expected).split()
    largest = channels[0]
    for channel in channels[1:]:
        largest = ImageChops.lighter(largest, channel)
    differing = largest.point(lambda value: 255 if value > CHANNEL_TOLERANCE else 0)
    return differing.histogram()[255] / (actual.width * actual.height)


def _keep(image: Image.Image, name: str) -> Path:
    """Where a failed picture goes, for a person to compare with the golden."""
    folder = Path(tempfile.gettempdir()) / "teller-goldens"
    folder.mkdir(exist_ok=True)
    path = folder / name
    image.save(path, "PNG")
    return path
