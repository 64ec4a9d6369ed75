"""Body fixtures: Anny (skipped with a reason when its set-up cache is missing) and the
SMPL-X stand-in written to a session temp directory."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def anny_body():
    from pipeline.errors import MissingInputError
    from render.bodies.anny_body import AnnyBody

    try:
        return AnnyBody()
    except MissingInputError as exc:  # set-up step not run on this machine
        pytest.skip(f"Anny cache not built (run `make setup`): {exc}")


@pytest.fixture(scope="session")
def smplx_dir(tmp_path_factory):
    from render.bodies.standin import write_smplx_standin

    root = tmp_path_factory.mktemp("smplx_models")
    write_smplx_standin(root)
    return root


@pytest.fixture(scope="session")
def smplx_body(smplx_dir):
    from render.bodies.smplx_body import SmplxBody

    return SmplxBody(smplx_dir)
