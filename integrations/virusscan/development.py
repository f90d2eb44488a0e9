"""``DevelopmentScanner``: a scanner for development and tests, not a virus scanner.

It knows no malware. It refuses what a scanner must refuse in every demo and test: the
EICAR test file (eicar.org), and executables — ELF, PE (``MZ`` … ``PE\\0\\0``), Mach-O and
scripts with a ``#!`` line — at the start of a file or, for ELF and PE, hidden inside one.
Production refuses to start with it (``TELLER_KYC_SCANNER=clamav`` there).
"""

from __future__ import annotations

import struct

from core.ports import ScanVerdict

_EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
_MACH_O = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # universal ("fat") binary
)


class DevelopmentScanner:
    """A :class:`core.ports.VirusScanner` that finds EICAR and executables only."""

    def __repr__(self) -> str:
        return "DevelopmentScanner()"

    async def scan(self, content: bytes) -> ScanVerdict:
        """See :meth:`core.ports.VirusScanner.scan`."""
        signature = self.signature(content)
        return ScanVerdict(clean=signature is None, signature=signature)

    @staticmethod
    def signature(content: bytes) -> str | None:
        """The name of what was found, or None."""
        if _EICAR in content:
            return "Eicar-Test-Signature"
        head = content[:4]
        if head == b"\x7fELF" or _embedded_elf(content):
            return "Development.Executable.ELF"
        if _pe_at(content, 0) or _embedded_pe(content):
            return "Development.Executable.PE"
        if content[:2] == b"MZ":
            return "Development.Executable.MZ"
        if head in _MACH_O:
            return "Development.Executable.MachO"
        if content[:2] == b"#!":
            return "Development.Executable.Script"
        return None


def _embedded_elf(content: bytes) -> bool:
    # An ELF header: magic, class 1|2 (32/64-bit), data 1|2 (endianness), version 1.
    start = content.find(b"\x7fELF", 1)
    while start != -1:
        ident = content[start + 4 : start + 7]
        if len(ident) == 3 and ident[0] in (1, 2) and ident[1] in (1, 2) and ident[2] == 1:
            return True
        start = content.find(b"\x7fELF", start + 1)
    return False


def _pe_at(content: bytes, start: int) -> bool:
    """A DOS header at ``start`` whose ``e_lfanew`` points at a ``PE\\0\\0`` signature."""
    if content[start : start + 2] != b"MZ" or len(content) < start + 0x40:
        return False
    (offset,) = struct.unpack_from("<I", content, start + 0x3C)
    return content[start + offset : start + offset + 4] == b"PE\0\0"


def _embedded_pe(content: bytes) -> bool:
    start = content.find(b"MZ", 1)
    while start != -1:
        if _pe_at(content, start):
            return True
        start = content.find(b"MZ", start + 1)
    return False
