"""Seeded sampling of a rendered person's appearance and scene (parent side, no bpy).

Every choice is drawn from the data in ``blender_assets/`` with one
``numpy.random.Generator`` seeded by ``seed``; the result is a plain JSON-able dict that
goes into the render job (the worker builds materials from it) and into the bundle's
manifest. The same seed and assets give the same dict.

Keys of the returned dict:

* ``seed``: the seed.
* ``skin``: ``{name, rgb, roughness}`` (linear RGB).
* ``hair``: ``{style, colour, rgb, roughness, top_fraction, back_fraction, neck_back}`` or
  ``{style: "bald"}``.
* ``garment``: ``{look, parts: {part: {regions, palette, pattern_name, pattern, rgb,
  roughness}}}``.
* ``world``: ``{hdri, strength, rotation_deg}``; ``sun``: ``{strength, elevation_deg,
  azimuth_deg, angle_deg}``; ``ground``: a ground look plus ``size_m``.
* ``body_shape``: shape parameters for the body model (Anny: phenotype values in [0, 1];
  SMPL-X: ``{"betas": [...]}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import UnknownFormatError
from render.assets import load_asset

BODY_MODELS = ("anny", "smplx")

#: Anny phenotype ranges sampled (uniform); 0.5 is the neutral value of each.
ANNY_PHENOTYPE_RANGES: dict[str, tuple[float, float]] = {
    "gender": (0.0, 1.0),
    "age": (0.35, 0.75),
    "muscle": (0.3, 0.7),
    "weight": (0.3, 0.7),
    "height": (0.3, 0.7),
    "proportions": (0.35, 0.65),
}
#: SMPL-X betas: first ``SMPLX_NUM_BETAS`` components ~ N(0, 1) clipped to +-SMPLX_BETA_CLIP.
SMPLX_NUM_BETAS = 10
SMPLX_BETA_CLIP = 2.0


def _uniform(rng: np.random.Generator, lo_hi: list[float]) -> float:
    lo, hi = (float(x) for x in lo_hi)
    return float(rng.uniform(lo, hi))


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def sample_body_shape(rng: np.random.Generator, body: str) -> dict[str, Any]:
    """Shape parameters for ``body`` (``anny`` phenotype dict or SMPL-X ``betas``)."""
    if body == "anny":
        return {k: round(_uniform(rng, list(v)), 4) for k, v in ANNY_PHENOTYPE_RANGES.items()}
    if body == "smplx":
        betas = np.clip(rng.normal(0.0, 1.0, SMPLX_NUM_BETAS), -SMPLX_BETA_CLIP, SMPLX_BETA_CLIP)
        return {"betas": [round(float(b), 4) for b in betas]}
    raise UnknownFormatError(f"unknown body model {body!r}; known: {', '.join(BODY_MODELS)}", field="body")


def _garment(rng: np.random.Generator, doc: dict[str, Any], look_name: str | None) -> dict[str, Any]:
    looks = doc["looks"]
    if look_name is None:
        look = _pick(rng, looks)
    else:
        by_name = {lk["name"]: lk for lk in looks}
        if look_name not in by_name:
            raise UnknownFormatError(f"unknown garment look {look_name!r}; known: {', '.join(by_name)}",
                                     field="garment")
        look = by_name[look_name]
    parts: dict[str, Any] = {}
    for part, spec in look["parts"].items():
        pattern_name = _pick(rng, spec["patterns"])
        if "colour_from" in spec:
            rgb, palette = parts[spec["colour_from"]]["rgb"], parts[spec["colour_from"]]["palette"]
        else:
            palette = spec["palette"]
            rgb = [float(c) for c in _pick(rng, doc["palettes"][palette])]
        parts[part] = {
            "regions": list(spec["regions"]),
            "palette": palette,
            "pattern_name": pattern_name,
            "pattern": dict(doc["patterns"][pattern_name]),
            "rgb": rgb,
            "roughness": float(spec.get("roughness", 0.8)),
        }
    return {"look": look["name"], "parts": parts}


def _hair(rng: np.random.Generator, doc: dict[str, Any]) -> dict[str, Any]:
    styles = doc["styles"]
    p = np.array([s["weight"] for s in styles], dtype=np.float64)
    style = styles[int(rng.choice(len(styles), p=p / p.sum()))]
    if style["name"] == "bald":
        return {"style": "bald"}
    colour = _pick(rng, doc["colours"])
    return {"style": style["name"], "colour": colour["name"], "rgb": list(colour["rgb"]),
            "roughness": float(doc.get("roughness", 0.55)), "top_fraction": float(style["top_fraction"]),
            "back_fraction": float(style["back_fraction"]), "neck_back": bool(style["neck_back"])}


def sample_appearance(seed: int, body: str = "anny", *, garment: str | None = None, hdri: str | None = None,
                      assets_dir: str | Path | None = None) -> dict[str, Any]:
    """Draw a complete appearance for one rendered sequence (see the module docstring).

    Args:
        seed: the random seed (recorded as ``seed``).
        body: body model (``anny`` or ``smplx``), for the shape parameters.
        garment: force a garment look by name (default: drawn).
        hdri: force an HDRI by name (default: drawn).
        assets_dir: another ``blender_assets`` folder (tests).
    """
    rng = np.random.default_rng(int(seed))
    shape = sample_body_shape(rng, body)
    tones = load_asset("skin_tones", assets_dir)
    tone = _pick(rng, tones["tones"])
    skin = {"name": tone["name"], "rgb": list(tone["rgb"]), "roughness": round(_uniform(rng, tones["roughness"]), 3)}
    hair = _hair(rng, load_asset("hair", assets_dir))
    look = _garment(rng, load_asset("garments", assets_dir), garment)
    h = load_asset("hdris", assets_dir)
    hdris = {x["name"]: x for x in h["hdris"]}
    if hdri is not None and hdri not in hdris:
        raise UnknownFormatError(f"unknown HDRI {hdri!r}; known: {', '.join(hdris)}", field="hdri")
    chosen = hdris[hdri] if hdri is not None else _pick(rng, h["hdris"])
    world = {"hdri": chosen["name"], "strength": round(_uniform(rng, chosen["strength"]), 3),
             "rotation_deg": round(_uniform(rng, h["rotation_deg"]), 1)}
    s = h["sun"]
    sun = {"strength": round(_uniform(rng, s["strength"]), 3),
           "elevation_deg": round(_uniform(rng, s["elevation_deg"]), 1),
           "azimuth_deg": round(_uniform(rng, s["azimuth_deg"]), 1), "angle_deg": float(s["angle_deg"])}
    ground = dict(_pick(rng, h["ground"]["looks"]))
    ground["size_m"] = float(h["ground"]["size_m"])
    return {"seed": int(seed), "body_shape": shape, "skin": skin, "hair": hair, "garment": look,
            "world": world, "sun": sun, "ground": ground}


def body_region_rules(body: str, assets_dir: str | Path | None = None) -> dict[str, Any]:
    """The bone -> region rules for ``body`` (``blender_assets/body_regions.json``), in the
    form the worker takes: ``{regions, rules, default_region}``."""
    doc = load_asset("body_regions", assets_dir)
    if body not in doc["models"]:
        raise UnknownFormatError(f"no body-region rules for {body!r}; known: {', '.join(doc['models'])}",
                                 field="body")
    return {"regions": list(doc["regions"]), "rules": [list(r) for r in doc["models"][body]],
            "default_region": doc["default_region"]}
