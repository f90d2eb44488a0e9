"""The objects a running app was built from are frozen out of the collector's full
collections while it runs, and given back when it stops."""

from __future__ import annotations

import gc
from pathlib import Path

from teller.app import create_app
from teller.settings import Settings


async def test_the_startup_heap_is_frozen_while_the_app_runs(tmp_path: Path) -> None:
    gc.unfreeze()
    app = create_app(Settings(data_dir=tmp_path, nlu_engine="off"), run_jobs=False)
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        assert frozen > 100_000  # the app and everything it imported
    assert gc.get_freeze_count() == 0
