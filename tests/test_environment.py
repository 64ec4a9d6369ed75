"""The pinned environment imports every heavy dependency together in one process."""

from __future__ import annotations

import subprocess
import sys


def test_all_heavy_dependencies_import_together():
    code = (
        "import torch, bpy, mediapipe, smplx, trimesh, cv2, prefect, anny, numpy; "
        "print(torch.__version__, bpy.app.version_string, mediapipe.__version__, numpy.__version__, cv2.__version__)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    torch_v, bpy_v, mp_v, np_v, cv_v = res.stdout.split()[-5:]
    assert torch_v.startswith("2.13.0")
    assert bpy_v.startswith("5.0.1")
    assert mp_v == "0.10.21"
    assert np_v == "1.26.4"
    assert cv_v.startswith("4.11")


def test_single_opencv_distribution():
    """mediapipe brings opencv-contrib-python; a second OpenCV wheel would shadow it."""
    from importlib import metadata

    names = {d.metadata["Name"].lower() for d in metadata.distributions()}
    cv = sorted(n for n in names if n.startswith("opencv"))
    assert cv == ["opencv-contrib-python"], cv
