"""``teller render samples``: every picture in every language, for reviewers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from render.locales import LANGUAGES
from teller.cli import main


def test_every_picture_is_written_in_every_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", "samples", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert result.output.strip() == f"wrote {len(files)} files to {tmp_path / 'out'}"
    for language in LANGUAGES:
        names = {f.name for f in files if f.stem.endswith(f"_{language}")}
        for expected in ("card", "details", "referral", "statement_p1", "receipt_exchange"):
            assert f"{expected}_{language}.png" in names
        assert f"statement_{language}.pdf" in names
    for path in files:
        if path.suffix == ".png":
            with Image.open(path) as image:
                assert image.width >= 1012
        else:
            assert path.read_bytes().startswith(b"%PDF-")
