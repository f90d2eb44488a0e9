"""Reading QR codes back from pictures, as a phone would. (No tests here.)"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def qr_texts(png: bytes) -> list[str]:
    """The text of every QR code in the picture."""
    image = Image.open(io.BytesIO(png))
    return [found.text for found in zxingcpp.read_barcodes(image)]
