"""Training pairs for the learned Kinect adapter: what the extractor sees in a render and
where the Kinect joints really are.

:func:`build_pairs` extracts every render bundle of a folder with the extractor's own
path (:func:`pose_extract.api.extract_people`, no adapter; flip averaging for one-person
videos, the tracker cascade for several people), pairs each recovered person with a
rendered body (:func:`pose_extract.people_metrics.match_people`; trivially for one
person) and writes one ``<name>.npz`` per bundle (atomically; a file made from the same
bundle with the same settings is reused, so an interrupted build resumes):

* ``features (P, T, FEATURES)`` float32 (:func:`pose_extract.adapter_features.adapter_inputs`),
* ``ok (P, T)`` bool, frames with a detected and lifted pose,
* ``target (P, T, 25, 3)`` float32, the paired body's source (Kinect) joints, camera frame,
  metres; ``present (P, T)`` bool, that body is in the frame,
* ``body (P,)`` the paired body's index (-1: none), and the bundle's ``name``, ``label``,
  ``look`` (garment look of body 0), ``hdri``, ``body_model`` and ``key``.

:func:`load_pairs` reads such a folder back as :class:`PairSequence` rows (one per paired
person), the unit that training windows and held-out splits are made of.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import FormatError
from pipeline.io_utils import atomic_outputs
from pose_extract.adapter_features import FEATURES, adapter_inputs
from pose_extract.bundle_manifest import MANIFEST, find_bundles, read_bundle
from pose_extract.config import ExtractConfig, make_config
from pose_extract.mapping import to_kinect_axes

log = logging.getLogger(__name__)

PAIRS_VERSION = 1


@dataclass(frozen=True)
class PairSequence:
    """One recovered person of one render and the body it was paired with.

    Attributes:
        name: the bundle's sample name; person: the person's index in the extraction.
        features: ``(T, FEATURES)`` float32; ok: ``(T,)`` bool.
        target: ``(T, 25, 3)`` float32 metres, Kinect camera frame; present: ``(T,)`` bool.
        label: class index; look: garment look; hdri: background; body_model: ``anny`` / ``smplx``.
    """

    name: str
    person: int
    features: np.ndarray
    ok: np.ndarray
    target: np.ndarray
    present: np.ndarray
    label: int
    look: str
    hdri: str
    body_model: str

    @property
    def mask(self) -> np.ndarray:
        """``(T,)`` frames usable as training targets: a pose and its body."""
        return self.ok & self.present


def _settings_key(info_key: str, cfg: ExtractConfig) -> str:
    doc = {"bundle": info_key, "config": cfg.model_dump(), "version": PAIRS_VERSION, "features": FEATURES}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:20]


def _pair_people(people: list, source: np.ndarray, body_joints: np.ndarray, present: np.ndarray) -> list[int]:
    """The body index of every recovered person (-1 when unpaired)."""
    if len(people) == 1 and source.shape[1] == 1:
        return [0]
    from pose_extract.people_metrics import match_people

    t = min(source.shape[0], people[0].video_joints.shape[0])
    pred = np.stack([p.video_joints[:t] for p in people])
    valid = np.stack([p.video_valid[:t] for p in people])
    match = match_people(pred, valid, body_joints[:t], present[:t])
    body_of = [-1] * len(people)
    for b, p in enumerate(match.person_of_body):
        if p >= 0:
            body_of[int(p)] = b
    return body_of


def pairs_of_bundle(folder: str | Path, config: ExtractConfig | None = None) -> dict[str, np.ndarray]:
    """The arrays of one bundle's pair file (module docstring)."""
    from pose_extract.bundles import rendered_people

    info = read_bundle(folder)
    if info.ground_truth is None:
        raise FormatError("the bundle has no ground truth to train on", path=folder, field="ground_truth")
    cfg = make_config(config, adapter="none")
    people = rendered_people(info, cfg)
    with np.load(info.ground_truth, allow_pickle=False) as z:
        source = np.asarray(z["source_joints"], np.float64)
        body_joints = np.asarray(z["body_joints"], np.float64)
        present = np.asarray(z["present"], bool)
    body_of = _pair_people(people, source, body_joints, present)
    t = min(source.shape[0], people[0].landmarks.num_frames)
    feats, oks, targets, pres = [], [], [], []
    for ext, b in zip(people, body_of):
        lm = ext.landmarks
        ok = lm.detected[:t] & np.isfinite(ext.translation[:t]).all(-1)
        feats.append(adapter_inputs(to_kinect_axes(lm.world[:t]), lm.image[:t], lm.visibility[:t],
                                    ext.translation[:t], ok, ext.intrinsics))
        oks.append(ok)
        targets.append(source[:t, max(b, 0)] if b >= 0 else np.zeros((t, 25, 3)))
        pres.append(present[:t, b] if b >= 0 else np.zeros(t, bool))
    manifest = json.loads((Path(folder) / MANIFEST).read_text())
    app = (manifest.get("appearance") or [{}])[0]
    return {
        "features": np.stack(feats).astype(np.float32), "ok": np.stack(oks), "target": np.stack(targets).astype(np.float32),
        "present": np.stack(pres), "body": np.asarray(body_of, np.int64), "name": np.array(info.name),
        "label": np.array(int(info.label)), "look": np.array(str(app.get("garment", {}).get("look", ""))),
        "hdri": np.array(str(app.get("world", {}).get("hdri", ""))),
        "body_model": np.array(str(manifest.get("body", {}).get("model", ""))),
        "key": np.array(_settings_key(str(info.request_key), cfg)),
    }


def build_pairs(renders: str | Path, out_dir: str | Path, *, config: ExtractConfig | None = None,
                on_bundle: Callable[[str, bool], None] | None = None) -> list[Path]:
    """Write ``<out_dir>/<name>.npz`` for every bundle under ``renders`` (module docstring);
    returns the files. A bundle that cannot be extracted is logged and skipped.
    ``on_bundle(name, reused)`` reports progress."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = make_config(config, adapter="none")
    files = []
    for folder in find_bundles(renders):
        try:
            info = read_bundle(folder)
        except Exception as exc:  # noqa: BLE001 - one bad bundle must not stop the build
            log.warning("%s: skipped: %s", folder, exc)
            continue
        path = out_dir / f"{info.name}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                if "key" in z.files and str(z["key"]) == _settings_key(str(info.request_key), cfg):
                    files.append(path)
                    if on_bundle is not None:
                        on_bundle(info.name, True)
                    continue
        try:
            arrays = pairs_of_bundle(folder, cfg)
        except Exception as exc:  # noqa: BLE001
            log.warning("%s: skipped: %s", folder, exc)
            continue
        with atomic_outputs() as out, open(out.path(path), "wb") as f:
            np.savez(f, **arrays)
        files.append(path)
        if on_bundle is not None:
            on_bundle(info.name, False)
    return files


def load_pairs(folder: str | Path) -> list[PairSequence]:
    """Every paired person of every pair file in ``folder`` (sorted by name)."""
    rows: list[PairSequence] = []
    for path in sorted(Path(folder).glob("*.npz")):
        try:
            with np.load(path, allow_pickle=False) as z:
                d = {k: z[k] for k in z.files}
        except Exception as exc:  # noqa: BLE001
            raise FormatError(f"unreadable pair file ({type(exc).__name__})", path=path) from None
        if d.get("features") is None or d["features"].shape[-1] != FEATURES:
            raise FormatError(f"features are not (P, T, {FEATURES})", path=path, field="features")
        for p in range(d["features"].shape[0]):
            if int(d["body"][p]) < 0:
                continue
            rows.append(PairSequence(name=str(d["name"]), person=p, features=d["features"][p], ok=d["ok"][p],
                                     target=d["target"][p], present=d["present"][p], label=int(d["label"]),
                                     look=str(d["look"]), hdri=str(d["hdri"]), body_model=str(d["body_model"])))
    return rows
