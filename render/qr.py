"""QR codes drawn onto our pictures (segno encodes, Pillow draws the modules)."""

from __future__ import annotations

import segno
from PIL import Image

from render.errors import InvalidDocument

# Level M (15 % recovery) is what EPC069-12 prescribes and survives a phone screen photo.
ERROR_LEVEL = "m"


def qr_image(data: str, size: int, *, error: str = ERROR_LEVEL) -> Image.Image:
    """A square picture of ``data`` as a QR code, about ``size`` pixels wide, with the
    four-module quiet zone readers need."""
    if not data:
        raise InvalidDocument("a QR code needs something to carry")
    try:
        code = segno.make_qr(data, error=error, encoding="utf-8", boost_error=False)
    except segno.DataOverflowError as exc:
        raise InvalidDocument("too much data for a QR code", length=len(data)) from exc
    modules = int(code.symbol_size(scale=1, border=4)[0])
    scale = max(1, size // modules)
    small = Image.new("1", (modules, modules), 1)
    pixels = small.load()
    assert pixels is not None
    for y, row in enumerate(code.matrix_iter(scale=1, border=4)):
        for x, dark in enumerate(row):
            if dark:
                pixels[x, y] = 0
    # Whole-module scaling keeps every module square and sharp.
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert(
        "RGB"
    )
