"""The hand-made ``.skeleton`` file every ntu_raw test module reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.formats.ntu_raw_files import hand_made_text


@pytest.fixture()
def hand_file(tmp_path: Path) -> Path:
    path = tmp_path / "S003C002P003R001A024.skeleton"
    path.write_text(hand_made_text())
    return path
