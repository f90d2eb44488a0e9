"""``TesseractMrzReader``: OCR of a document's machine-readable zone with Tesseract.

Runs the ``tesseract`` program (Debian: ``tesseract-ocr``) as a subprocess, never through
a shell, on the bottom part of the page where the zone is (ICAO 9303 puts it along the
bottom edge), scaled up and in greyscale, with the character set limited to the zone's
(A–Z, 0–9, ``<``). A scanned PDF is read through the first image of its first page. The
core then finds the zone in the text and checks its digits, so OCR mistakes end up as a
failed check (and a staff review), never as a wrong "verified".
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil

from PIL import Image, ImageOps
from pypdf import PdfReader

log = logging.getLogger(__name__)

_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_ZONE_SHARE = 0.35  # the bottom 35 % of a passport's data page holds the zone
_TARGET_WIDTH = 2000


def tesseract_path() -> str | None:
    """Where ``tesseract`` is installed, or None."""
    return shutil.which("tesseract")


class TesseractMrzReader:
    """A :class:`core.ports.MrzReader` over the ``tesseract`` command."""

    def __init__(self, binary: str | None = None, *, timeout: float = 60.0) -> None:
        found = binary or tesseract_path()
        if found is None:
            raise FileNotFoundError("tesseract is not installed (Debian: tesseract-ocr)")
        self._binary = found
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"TesseractMrzReader({self._binary!r})"

    async def read(self, content: bytes, media_type: str) -> str | None:
        """See :meth:`core.ports.MrzReader.read`."""
        image = await asyncio.to_thread(_zone_image, content, media_type)
        if image is None:
            return None
        return await self._ocr(image)

    async def _ocr(self, png: bytes) -> str | None:
        process = await asyncio.create_subprocess_exec(
            self._binary,
            "stdin",
            "stdout",
            "--psm",
            "6",
            "-c",
            f"tessedit_char_whitelist={_CHARSET}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(png), self._timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            # Treated as "no zone found": the application goes to staff, not round again.
            log.warning("tesseract timed out reading a document")
            return ""
        if process.returncode != 0:
            log.warning("tesseract failed (exit %s)", process.returncode)
            raise OSError(f"tesseract exited with {process.returncode}")
        return out.decode("utf-8", "replace")


def _zone_image(content: bytes, media_type: str) -> bytes | None:
    """The zone's part of the page as a greyscale PNG, or None for what we cannot read."""
    if media_type == "application/pdf":
        content_or_none = _first_pdf_image(content)
        if content_or_none is None:
            return None
        content = content_or_none
    elif media_type not in ("image/jpeg", "image/png"):
        return None
    with Image.open(io.BytesIO(content)) as opened:
        image = ImageOps.exif_transpose(opened).convert("L")
    width, height = image.size
    zone = image.crop((0, int(height * (1 - _ZONE_SHARE)), width, height))
    if zone.width < _TARGET_WIDTH:
        scale = _TARGET_WIDTH / zone.width
        zone = zone.resize((_TARGET_WIDTH, int(zone.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    zone.save(out, "PNG")
    return out.getvalue()


def _first_pdf_image(content: bytes) -> bytes | None:
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages[:1]:
        for image in page.images:
            return bytes(image.data)
    return None
