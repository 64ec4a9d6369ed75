"""The report opens in a real browser: headless Chromium screenshots the page and dumps
its DOM after load. Skips only when no headless Chromium is installed (``make setup``
installs the Debian package ``chromium-headless-shell``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

#: Headless Chromium binaries, preferred first (all take ``--headless``).
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")
WIDTH, HEIGHT = 1280, 4000


def _browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


pytestmark = pytest.mark.skipif(_browser() is None, reason="no headless Chromium (chromium-headless-shell) on "
                                "PATH: run `make setup`, which installs it with apt-get")


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    cmd = [_browser(), "--no-sandbox", "--headless", "--disable-gpu", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def shot(full_report, tmp_path_factory):
    """``(screenshot as an (H, W, 3) array, its path)`` of the complete run's report."""
    from PIL import Image

    paths, _, _ = full_report
    tmp = tmp_path_factory.mktemp("screenshot")
    png = tmp / "report.png"
    done = _chromium(f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars",
                     paths.html.resolve().as_uri(), profile=tmp / "profile")
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    with Image.open(png) as im:
        return np.asarray(im.convert("RGB")), png


def _near(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 14) -> np.ndarray:
    return (np.abs(img.astype(int) - np.array(rgb)) <= tol).all(axis=-1)


def test_screenshot_is_the_page(shot):
    img, _ = shot
    assert img.shape == (HEIGHT, WIDTH, 3)
    assert img.std() > 20  # not a blank page
    ink = (img < 160).all(axis=-1)  # text, table borders, skeleton lines
    # something is drawn in every 250-pixel band of the top 3500 pixels (headline, tables, figures)
    bands = [ink[y:y + 250].sum() for y in range(0, 3500, 250)]
    assert min(bands) > 50, bands
    # the tables are laid out: their header background (#eef1f4) fills large areas
    assert _near(img, (0xEE, 0xF1, 0xF4), 2).sum() > 20_000
    # the headline box (#eef5ff) is at the top of the page
    assert _near(img[:400], (0xEE, 0xF5, 0xFF), 2).sum() > 20_000
    # the figures are decoded and shown: the accuracy bars' red and the skeletons' green
    assert _near(img, (220, 82, 83)).sum() > 500  # tab:red at alpha 0.85 on white
    assert _near(img, (89, 204, 64)).sum() > 100  # the right side of a clean skeleton


def test_dom_after_load(full_report, tmp_path, parse):
    paths, text, doc = full_report
    done = _chromium("--dump-dom", paths.html.resolve().as_uri(), profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    assert {"crossmodal-table", "per-class-table", "extraction-table", "extraction-samples-table",
            "perceptibility-table", "samples-table", "failures-table", "timings-table"} <= set(dom.tables)
    assert len(dom.images) == len(doc["figures"]) == 4
    assert all(src.startswith("data:image/png;base64,") for src in dom.images)
    assert len(dom.table("samples-table")) == 1 + 12
    assert dom.tags.get("details", 0) >= 3 and dom.tags.get("script", 0) == 0
    assert dom.rows("crossmodal-table").keys() == parse(text).rows("crossmodal-table").keys()
