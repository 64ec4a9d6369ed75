"""render.assets: the quality presets' names are the file's, every preset resolves."""

from __future__ import annotations

import pytest

from pipeline.errors import UnknownFormatError
from render.assets import QUALITY_NAMES, load_asset, quality_preset


def test_quality_names_are_the_presets_of_the_file():
    assert tuple(load_asset("quality_presets")["presets"]) == QUALITY_NAMES
    for name in QUALITY_NAMES:
        preset = quality_preset(name)
        assert preset["name"] == name and preset["samples"] >= 1
    # the cropped preset is the default's settings, cropped
    cropped, default = quality_preset("cropped"), quality_preset("default")
    assert cropped.pop("crop") is True and "crop" not in default
    assert {k: v for k, v in cropped.items() if k not in ("name", "description")} == \
        {k: v for k, v in default.items() if k not in ("name", "description")}
    with pytest.raises(UnknownFormatError, match="unknown quality preset 'nope'"):
        quality_preset("nope")
