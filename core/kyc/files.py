"""What a file really is: judged by its bytes, never by its name or declared type.

Only PDF, JPEG and PNG pass (a selfie: JPEG or PNG), at most :data:`MAX_DOCUMENT_BYTES`.
The magic bytes choose the parser, and the parser must then account for *every* byte: a
JPEG ends at its end-of-image marker, a PNG at ``IEND`` with every chunk's CRC right, a PDF
at ``%%EOF``. Bytes after the end, or a PDF header hiding in an image's first kilobyte,
make a polyglot (one file read as two types by different programs) and are refused. Images
are then decoded in full (a truncated or corrupt one fails) within sane dimensions; a PDF
must parse, be unencrypted, have 1–10 pages and carry no active content (scripts, launch
actions, embedded files).
"""

from __future__ import annotations

import io
import warnings
import zlib
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from core.kyc.errors import (
    DocumentDimensions,
    DocumentEmpty,
    DocumentTooLarge,
    DocumentTypeNotAllowed,
    DocumentUnreadable,
)
from core.kyc.model import DocumentKind

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MIN_SIDE = 320  # pixels: below this a document's text is not legible
MAX_SIDE = 12_000
MAX_PIXELS = 50_000_000  # below Pillow's decompression-bomb limit, so it never warns
MAX_PDF_PAGES = 10

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A PDF reader looks for its header anywhere in the first 1024 bytes (ISO 32000-2, 7.5.2).
_PDF_HEADER_WINDOW = 1024
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"}


@dataclass(frozen=True, slots=True)
class FileFacts:
    media_type: str
    size: int
    width: int | None = None
    height: int | None = None
    pages: int | None = None


def sniff(content: bytes) -> str | None:
    """The media type the magic bytes announce, or None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(_PNG_SIGNATURE):
        return PNG
    if content.startswith(b"%PDF-"):
        return PDF
    return None


def inspect(content: bytes, kind: DocumentKind) -> FileFacts:
    """Check a file for ``kind`` and return its facts, or raise the refusal's error.

    CPU-bound (it decodes images): call it in a worker thread.
    """
    size = len(content)
    if size == 0:
        raise DocumentEmpty()
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(max_bytes=MAX_DOCUMENT_BYTES, size=size)
    media_type = sniff(content)
    allowed = (JPEG, PNG) if kind is DocumentKind.SELFIE else (JPEG, PNG, PDF)
    if media_type is None or media_type not in allowed:
        raise DocumentTypeNotAllowed(allowed=", ".join(allowed), kind=kind.value)
    if media_type == PDF:
        return FileFacts(PDF, size, pages=_check_pdf(content))
    if b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        raise DocumentUnreadable(reason="pdf_header_in_image")
    end = _jpeg_end(content) if media_type == JPEG else _png_end(content)
    _refuse_trailing(content, end)
    width, height = _check_image(content, "JPEG" if media_type == JPEG else "PNG")
    return FileFacts(media_type, size, width=width, height=height)


def _refuse_trailing(content: bytes, end: int) -> None:
    # NUL padding is harmless (some encoders pad to a block); anything else is a payload.
    if content[end:].strip(b"\x00"):
        raise DocumentUnreadable(reason="data_after_end")


def _jpeg_end(data: bytes) -> int:
    """The offset just past the end-of-image marker, walking segments and scan data."""
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise DocumentUnreadable(reason="bad_jpeg_structure")
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image
            return i
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if i + 2 > n or (length := int.from_bytes(data[i : i + 2], "big")) < 2:
            break
        i += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            i = _scan_end(data, i)
    raise DocumentUnreadable(reason="bad_jpeg_structure")


def _scan_end(data: bytes, i: int) -> int:
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= len(data):
            raise DocumentUnreadable(reason="bad_jpeg_structure")
        following = data[j + 1]
        # FF 00 is an escaped FF and FF D0–D7 a restart marker: both belong to the scan.
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            i = j + 2
        elif following == 0xFF:
            i = j + 1
        else:
            return j


def _png_end(data: bytes) -> int:
    """The offset just past ``IEND``, checking every chunk's length and CRC."""
    i, n = len(_PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        length = int.from_bytes(data[i : i + 4], "big")
        end = i + 12 + length
        if end > n:
            break
        crc = int.from_bytes(data[end - 4 : end], "big")
        if zlib.crc32(data[i + 4 : end - 4]) != crc:
            raise DocumentUnreadable(reason="bad_png_checksum")
        if data[i + 4 : i + 8] == b"IEND":
            return end
        i = end
    raise DocumentUnreadable(reason="bad_png_structure")


def _check_image(content: bytes, expected: str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected:
                    raise DocumentUnreadable(reason="format_mismatch")
                width, height = image.size
                if (
                    min(width, height) < MIN_SIDE
                    or max(width, height) > MAX_SIDE
                    or width * height > MAX_PIXELS
                ):
                    raise DocumentDimensions(
                        width=width, height=height, min_side=MIN_SIDE, max_side=MAX_SIDE
                    )
                image.load()  # decode every pixel: truncated or corrupt data fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentDimensions(min_side=MIN_SIDE, max_side=MAX_SIDE) from exc
    except (OSError, SyntaxError, ValueError) as exc:  # what Pillow raises for bad data
        raise DocumentUnreadable(reason="image_decode_failed") from exc
    return width, height


def _check_pdf(content: bytes) -> int:
    if not content.rstrip(b"\r\n\t \x00").endswith(b"%%EOF"):
        raise DocumentUnreadable(reason="data_after_end")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise DocumentUnreadable(reason="pdf_encrypted")
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise DocumentUnreadable(reason="pdf_page_count", max_pages=MAX_PDF_PAGES)
        if _pdf_active(reader):
            raise DocumentUnreadable(reason="pdf_active_content")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentUnreadable(reason="pdf_parse_failed") from exc
    return pages


def _pdf_active(reader: PdfReader) -> bool:
    """Whether the document can run or open something: scripts, actions, attachments."""
    root: Any = reader.trailer["/Root"].get_object()
    if "/OpenAction" in root or "/AA" in root:
        return True
    names = root.get("/Names")
    if names is not None and {"/JavaScript", "/EmbeddedFiles"} & set(names.get_object()):
        return True
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        return True
    for page in reader.pages:
        if "/AA" in page:
            return True
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                subtype = action.get_object().get("/S")
                if subtype in _ACTIVE_ACTIONS:
                    return True
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                return True
    return False
