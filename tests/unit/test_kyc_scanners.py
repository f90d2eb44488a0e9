"""The development scanner finds EICAR and executables; document sealing holds."""

from __future__ import annotations

import struct
from uuid import uuid4

import pytest

from core.crypto import DecryptionError, Keyring
from core.kyc.sealing import DocumentSealer
from integrations.virusscan.development import DevelopmentScanner
from tests.conftest import INDEX_KEY, KEY_SPEC
from tests.kyc_support import EICAR, document_image, pdf_document, selfie


def pe_file(prefix: bytes = b"") -> bytes:
    dos = bytearray(b"MZ" + b"\x00" * 0x3E)
    struct.pack_into("<I", dos, 0x3C, 0x80)
    return prefix + bytes(dos) + b"\x00" * (0x80 - len(dos)) + b"PE\0\0" + b"\x00" * 64


@pytest.mark.parametrize(
    ("content", "signature"),
    [
        (EICAR, "Eicar-Test-Signature"),
        (b"\xff\xd8\xff" + EICAR, "Eicar-Test-Signature"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "Development.Executable.ELF"),
        (pe_file(), "Development.Executable.PE"),
        (b"MZ\x90\x00" + b"\x00" * 16, "Development.Executable.MZ"),
        (b"\xcf\xfa\xed\xfe" + b"\x00" * 28, "Development.Executable.MachO"),
        (b"\xca\xfe\xba\xbe" + b"\x00" * 28, "Development.Executable.MachO"),
        (b"#!/bin/sh\nrm -rf /\n", "Development.Executable.Script"),
        (document_image() + b"\x7fELF\x02\x01\x01\x00", "Development.Executable.ELF"),
        (pe_file(prefix=document_image()), "Development.Executable.PE"),
    ],
    ids=[
        "eicar",
        "eicar-in-jpeg",
        "elf",
        "pe",
        "mz",
        "mach-o",
        "fat-mach-o",
        "shebang",
        "elf-appended",
        "pe-appended",
    ],
)
async def test_the_development_scanner_refuses_eicar_and_executables(
    content: bytes, signature: str
) -> None:
    verdict = await DevelopmentScanner().scan(content)
    assert not verdict.clean
    assert verdict.signature == signature


async def test_the_development_scanner_passes_documents() -> None:
    for content in (document_image(), selfie(), pdf_document(), b"a text naming MZ and \\x7fELF"):
        assert (await DevelopmentScanner().scan(content)).clean


def test_a_sealed_document_opens_only_as_itself() -> None:
    sealer = DocumentSealer(Keyring.parse_spec(KEY_SPEC, INDEX_KEY))
    document_id, content = uuid4(), document_image()
    blob, wrapped = sealer.seal(document_id, content)
    assert content not in blob
    assert b"IHDR" not in blob
    assert wrapped.startswith("v1.test1.")
    assert sealer.open(document_id, blob, wrapped) == content
    with pytest.raises(DecryptionError):  # the key of another document
        sealer.open(uuid4(), blob, wrapped)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        sealer.open(document_id, tampered, wrapped)
