"""Files are judged by their bytes: type, size, structure, dimensions and active content."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from core.errors import CoreError
from core.kyc.errors import (
    DocumentDimensions,
    DocumentEmpty,
    DocumentTooLarge,
    DocumentTypeNotAllowed,
    DocumentUnreadable,
)
from core.kyc.files import MAX_DOCUMENT_BYTES, inspect, sniff
from core.kyc.model import DocumentKind
from tests.kyc_support import (
    EICAR,
    document_image,
    pdf_document,
    pdf_with_open_action,
    scanned_pdf,
    selfie,
)

PASSPORT = DocumentKind.PASSPORT


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header for an image of any size, with almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + _png_chunk(b"IEND", b"")
    )


def image(fmt: str, size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, fmt)
    return out.getvalue()


def test_jpeg_png_and_pdf_pass_with_their_facts() -> None:
    jpeg = inspect(document_image(fmt="JPEG"), PASSPORT)
    assert (jpeg.media_type, jpeg.width, jpeg.height) == ("image/jpeg", 1400, 980)
    png = inspect(document_image(), PASSPORT)
    assert png.media_type == "image/png"
    pdf = inspect(pdf_document(pages=2), PASSPORT)
    assert (pdf.media_type, pdf.pages) == ("application/pdf", 2)
    assert inspect(scanned_pdf(("P<CZE",)), DocumentKind.ID_CARD).pages == 1
    assert inspect(selfie(), DocumentKind.SELFIE).media_type == "image/jpeg"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DocumentEmpty):
        inspect(b"", PASSPORT)


def test_a_file_over_10_mb_is_refused_before_it_is_parsed() -> None:
    oversized = document_image() + b"\x00" * MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentTooLarge) as refused:
        inspect(oversized, PASSPORT)
    assert refused.value.data == {"max_bytes": MAX_DOCUMENT_BYTES, "size": len(oversized)}
    assert refused.value.http_status == 413


@pytest.mark.parametrize(
    "content",
    [
        image("GIF"),
        image("BMP"),
        image("WEBP"),
        b"\x7fELF\x02\x01\x01" + b"\x00" * 100,  # a program renamed passport.jpg
        b"MZ" + b"\x00" * 100,
        b"PK\x03\x04" + b"\x00" * 100,  # a ZIP (or .docx)
        b"<html><script>alert(1)</script></html>",
        EICAR,
        b"JFIF" + image("JPEG"),  # a JPEG that does not start where a JPEG starts
    ],
    ids=["gif", "bmp", "webp", "elf", "mz", "zip", "html", "eicar", "shifted-jpeg"],
)
def test_anything_but_pdf_jpeg_and_png_is_refused_whatever_it_is_called(content: bytes) -> None:
    with pytest.raises(DocumentTypeNotAllowed) as refused:
        inspect(content, PASSPORT)
    assert refused.value.http_status == 415
    assert sniff(content) is None


def test_a_selfie_must_be_an_image() -> None:
    with pytest.raises(DocumentTypeNotAllowed):
        inspect(pdf_document(), DocumentKind.SELFIE)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (image("JPEG") + b"PK\x03\x04polyglot-zip-payload", "data_after_end"),
        (image("PNG") + pdf_document(), "data_after_end"),
        (pdf_document() + b"<html>payload</html>", "data_after_end"),
        (image("JPEG")[:-200], "bad_jpeg_structure"),  # truncated
        (image("PNG")[:-30], "bad_png_structure"),
        (pdf_document(javascript=True), "pdf_active_content"),
        (pdf_with_open_action(), "pdf_active_content"),
        (pdf_document(pages=11), "pdf_page_count"),
        (b"%PDF-1.7\n garbage %%EOF", "pdf_parse_failed"),
    ],
    ids=[
        "jpeg+zip",
        "png+pdf",
        "pdf+html",
        "truncated-jpeg",
        "truncated-png",
        "pdf-javascript",
        "pdf-open-action",
        "pdf-11-pages",
        "pdf-garbage",
    ],
)
def test_polyglots_truncated_files_and_active_pdfs_are_refused(
    content: bytes, reason: str
) -> None:
    with pytest.raises(DocumentUnreadable) as refused:
        inspect(content, PASSPORT)
    assert refused.value.data["reason"] == reason


def test_a_pdf_header_inside_an_image_is_a_polyglot() -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 600)).save(out, "JPEG", comment=b"%PDF-1.4 1 0 obj")
    with pytest.raises(DocumentUnreadable) as refused:
        inspect(out.getvalue(), PASSPORT)
    assert refused.value.data["reason"] == "pdf_header_in_image"


def test_a_png_with_a_broken_checksum_is_refused() -> None:
    content = bytearray(image("PNG"))
    content[40] ^= 0xFF  # inside the first IDAT chunk
    with pytest.raises(DocumentUnreadable) as refused:
        inspect(bytes(content), PASSPORT)
    assert refused.value.data["reason"] == "bad_png_checksum"


def test_an_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(DocumentUnreadable) as refused:
        inspect(out.getvalue(), PASSPORT)
    assert refused.value.data["reason"] == "pdf_encrypted"


@pytest.mark.parametrize(
    "content",
    [
        image("PNG", (200, 600)),  # narrower than a legible document
        image("JPEG", (12_500, 320)),
        png_claiming(8_000, 8_000),  # 64 megapixels: over the limit, never decoded
        png_claiming(100_000, 100_000),  # a decompression bomb
    ],
    ids=["too-narrow", "too-wide", "too-many-pixels", "bomb"],
)
def test_images_of_insane_dimensions_are_refused(content: bytes) -> None:
    with pytest.raises(DocumentDimensions):
        inspect(content, PASSPORT)


def test_a_png_whose_pixels_do_not_decode_is_refused() -> None:
    with pytest.raises(DocumentUnreadable) as refused:
        inspect(png_claiming(800, 600), PASSPORT)
    assert refused.value.data["reason"] == "image_decode_failed"


def test_every_refusal_is_a_core_error_with_a_stable_code() -> None:
    codes = set()
    for content in (b"", b"GIF89a", image("JPEG") + b"x", image("PNG", (100, 100))):
        with pytest.raises(CoreError) as refused:
            inspect(content, PASSPORT)
        codes.add(refused.value.code)
    assert codes == {
        "KYC_DOCUMENT_EMPTY",
        "KYC_DOCUMENT_TYPE_NOT_ALLOWED",
        "KYC_DOCUMENT_UNREADABLE",
        "KYC_DOCUMENT_DIMENSIONS",
    }
