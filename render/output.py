"""What a renderer returns, sizes it accepts, and fitting a picture under a byte limit."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image

from render.errors import OverLimit, SizeRefused

PNG = "image/png"
JPEG = "image/jpeg"
PDF = "application/pdf"

# Widths a phone or a document uses; outside this a request is a mistake, not a wish.
MIN_WIDTH = 320
MAX_WIDTH = 4096

# The messengers' limits (the callers pass theirs; these are the ones we know).
TELEGRAM_PHOTO_BYTES = 10 * 1024 * 1024
WHATSAPP_IMAGE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Rendered:
    """A finished picture or document."""

    content: bytes
    media_type: str
    filename: str
    width: int = 0  # pixels; 0 for a PDF
    height: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


def check_width(width: int) -> int:
    """``width`` when a phone or document could use it, else ``SizeRefused``."""
    if isinstance(width, bool) or not isinstance(width, int):
        raise SizeRefused("a width is a whole number of pixels", width=width)
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise SizeRefused(
            f"a width is {MIN_WIDTH} to {MAX_WIDTH} pixels", width=width, minimum=MIN_WIDTH
        )
    return width


def png(image: Image.Image, filename: str, *, level: int = 6) -> Rendered:
    """``image`` as PNG without metadata, so the same picture gives the same bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=level)
    return Rendered(out.getvalue(), PNG, filename, image.width, image.height)


def within(rendered: Rendered, max_bytes: int) -> Rendered:
    """``rendered`` when it fits ``max_bytes``; a picture that does not is re-encoded as
    JPEG at falling quality, then scaled down; ``OverLimit`` when nothing fits."""
    if rendered.size <= max_bytes:
        return rendered
    if rendered.media_type != PNG:
        raise OverLimit("the document is over the limit", size=rendered.size, limit=max_bytes)
    image = Image.open(io.BytesIO(rendered.content)).convert("RGB")
    stem = rendered.filename.rsplit(".", 1)[0]
    for scale in (1.0, 0.75, 0.5):
        scaled = image
        if scale != 1.0:
            size = (round(image.width * scale), round(image.height * scale))
            scaled = image.resize(size, Image.Resampling.LANCZOS)
        for quality in (90, 80, 65):
            out = io.BytesIO()
            scaled.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= max_bytes:
                return Rendered(out.getvalue(), JPEG, f"{stem}.jpg", scaled.width, scaled.height)
    raise OverLimit("the picture does not fit the limit", size=rendered.size, limit=max_bytes)
