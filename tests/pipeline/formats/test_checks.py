"""The small checks shared by the format readers and writers."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ValidationError
from pipeline.formats._checks import check_part_name, is_int


@pytest.mark.parametrize("value", [0, -3, 2**70, np.int64(5), np.uint8(1)])
def test_is_int_accepts_integers(value) -> None:
    assert is_int(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 1.0, np.float32(2), "1", None])
def test_is_int_refuses_others(value) -> None:
    assert not is_int(value)


@pytest.mark.parametrize("part", ["train", "xsub_val", "all", "a.b", "..x"])
def test_part_name_accepted(part: str) -> None:
    assert check_part_name(part) == part


@pytest.mark.parametrize("part", ["", ".", "..", "a/b", "a\\b", "x\x00y", None, 3])
def test_part_name_refused(part) -> None:
    with pytest.raises(ValidationError, match="invalid part name") as err:
        check_part_name(part)
    assert err.value.field == "part"
