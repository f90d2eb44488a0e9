"""Builders for the KYC suites: documents made on the spot, MRZ lines, a bank with KYC ports.

Every file here is produced by the libraries the bank itself uses to read them (Pillow,
pypdf), so a test's sample is exactly as real as a customer's scan, only smaller.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.bank import Bank
from core.crypto import Keyring
from core.kyc.documents import KycPorts
from core.kyc.mrz import check_digit
from core.kyc.service import PersonalDataInput
from core.persistence.database import Database
from integrations.documents.local import LocalDocumentStore
from integrations.virusscan.development import DevelopmentScanner
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock

# The EICAR anti-malware test file (eicar.org): harmless, and every scanner detects it.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def _mrz_date(value: date) -> str:
    return value.strftime("%y%m%d")


def td3(
    surname: str,
    given_names: str,
    number: str,
    *,
    nationality: str = "CZE",
    issuer: str = "CZE",
    born: date = date(1990, 5, 17),
    expires: date = date(2031, 1, 9),
    sex: str = "F",
) -> tuple[str, str]:
    """A passport's two MRZ lines with correct check digits (ICAO 9303 part 4)."""
    names = (surname.replace(" ", "<") + "<<" + given_names.replace(" ", "<"))[:39]
    line1 = f"P<{issuer}{names}".ljust(44, "<")
    doc = number.ljust(9, "<")
    birth, expiry, optional = _mrz_date(born), _mrz_date(expires), "<" * 14
    body = (
        f"{doc}{check_digit(doc)}{nationality}{birth}{check_digit(birth)}{sex}"
        f"{expiry}{check_digit(expiry)}{optional}<"
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return line1, body + str(check_digit(composite))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if MONO_FONT.exists():
        return ImageFont.truetype(str(MONO_FONT), size)
    return ImageFont.load_default(size)


def document_image(
    mrz: tuple[str, ...] | None = None,
    *,
    size: tuple[int, int] = (1400, 980),
    fmt: str = "PNG",
) -> bytes:
    """A passport-like page: a photo box, some text, and the MRZ drawn at the bottom.

    The MRZ text is also kept in the file's metadata (PNG text chunk, JPEG comment), where
    :class:`MetadataMrzReader` finds it without OCR.
    """
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 360, 460), outline="black", width=4)
    draw.text((420, 80), "PASSPORT  CESKA REPUBLIKA", fill="black", font=_font(40))
    if mrz:
        font = _font(38)
        top = size[1] - 70 * len(mrz) - 40
        for i, line in enumerate(mrz):
            draw.text((40, top + 70 * i), line, fill="black", font=font)
    out = io.BytesIO()
    text = "\n".join(mrz or ())
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        if mrz:
            info.add_text("mrz", text)
        image.save(out, "PNG", pnginfo=info)
    elif fmt == "JPEG":
        image.save(out, "JPEG", quality=85, comment=text.encode() if mrz else b"")
    else:
        image.save(out, fmt)
    return out.getvalue()


def selfie(size: tuple[int, int] = (640, 800)) -> bytes:
    image = Image.new("RGB", size, (200, 170, 150))
    ImageDraw.Draw(image).ellipse((170, 150, 470, 550), fill=(230, 190, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def pdf_document(*, pages: int = 1, javascript: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if javascript:  # a document-level script, in the catalog's /Names tree
        script = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hello');"),
            }
        )
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("hello"), script])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): tree}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_open_action() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = action
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(mrz: tuple[str, ...]) -> bytes:
    """A PDF holding one JPEG page, as a scanner makes them."""
    image = Image.open(io.BytesIO(document_image(mrz, fmt="JPEG")))
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    return out.getvalue()


class MetadataMrzReader:
    """An ``MrzReader`` for tests: the MRZ text the sample wrote into the file's metadata."""

    def __init__(self) -> None:
        self.reads = 0

    async def read(self, content: bytes, media_type: str) -> str | None:
        self.reads += 1
        if media_type not in ("image/png", "image/jpeg"):
            return None
        with Image.open(io.BytesIO(content)) as image:
            if media_type == "image/png":
                return str(image.text.get("mrz", ""))  # type: ignore[attr-defined]
            return bytes(image.info.get("comment", b"")).decode()


def kyc_ports(root: Path, mrz: object | None = None) -> KycPorts:
    return KycPorts(
        documents=LocalDocumentStore(root),
        scanner=DevelopmentScanner(),
        mrz=MetadataMrzReader() if mrz is None else mrz,  # type: ignore[arg-type]
    )


def bank_with_kyc(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    root: Path,
    ports: KycPorts | None = None,
) -> Bank:
    return Bank.build(database, keyring, CURRENCIES, clock=clock, kyc=ports or kyc_ports(root))


@dataclass(frozen=True)
class Applicant:
    """A customer as registered and as their passport says."""

    full_name: str = "Jana Dvořáková"
    given_names: str = "Jana"
    surname: str = "Dvořáková"
    born: date = date(1990, 5, 17)
    number: str = "40123456"
    expires: date = date(2031, 1, 9)

    def personal_data(self, **changes: object) -> PersonalDataInput:
        values: dict[str, object] = {
            "given_names": self.given_names,
            "surname": self.surname,
            "date_of_birth": self.born,
            "nationality": "CZ",
            "document_kind": "passport",
            "document_number": self.number,
            "issuing_country": "CZE",
            "document_expiry": self.expires,
        }
        values.update(changes)
        return PersonalDataInput(**values)  # type: ignore[arg-type]

    def mrz(self, **changes: object) -> tuple[str, str]:
        values: dict[str, object] = {
            "surname": "DVORAKOVA",
            "given_names": "JANA",
            "number": self.number,
            "born": self.born,
            "expires": self.expires,
        }
        values.update(changes)
        surname, given, number = (str(values.pop(k)) for k in ("surname", "given_names", "number"))
        return td3(surname, given, number, **values)  # type: ignore[arg-type]

    def passport(self, **changes: object) -> bytes:
        return document_image(self.mrz(**changes))
