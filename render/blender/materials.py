"""Shader-node materials: skin, hair, eyes, garments with procedural patterns, ground
(worker only). Recipes come as data (``blender_assets/garments.json`` etc.), resolved by
:mod:`render.appearance` in the parent.

Garment patterns read the mesh attribute ``rest`` (rest-pose vertex positions, metres,
written by :func:`add_rest_attribute`) so that stripes and checks stick to the body as it
moves instead of swimming through world space.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

REST_ATTRIBUTE = "rest"


def add_rest_attribute(mesh_obj: Any, vertices: np.ndarray) -> None:
    """Store ``vertices (Nv, 3)`` rest positions as the point attribute ``rest``."""
    attr = mesh_obj.data.attributes.new(REST_ATTRIBUTE, "FLOAT_VECTOR", "POINT")
    attr.data.foreach_set("vector", np.asarray(vertices, dtype=np.float32).ravel())


def _new_material(name: str) -> tuple[Any, Any, Any]:
    """A material with a Principled BSDF; returns ``(material, node_tree, bsdf)``."""
    import bpy

    mat = bpy.data.materials.new(name)
    if mat.node_tree is None:  # older behaviour: node trees only on request
        mat.use_nodes = True
    nt = mat.node_tree
    bsdf = next((n for n in nt.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled"), None)
    if bsdf is None:
        bsdf = nt.nodes.new("ShaderNodeBsdfPrincipled")
        out = next((n for n in nt.nodes if n.bl_idname == "ShaderNodeOutputMaterial"), None) \
            or nt.nodes.new("ShaderNodeOutputMaterial")
        nt.links.new(bsdf.outputs["BSDF"], out.inputs["Surface"])
    return mat, nt, bsdf


def _rgba(rgb: list[float]) -> tuple[float, float, float, float]:
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]), 1.0)


def plain_material(name: str, rgb: list[float], roughness: float, specular: float = 0.5) -> Any:
    """A single-colour Principled material (linear RGB)."""
    mat, _, bsdf = _new_material(name)
    bsdf.inputs["Base Color"].default_value = _rgba(rgb)
    bsdf.inputs["Roughness"].default_value = float(roughness)
    if "Specular IOR Level" in bsdf.inputs:
        bsdf.inputs["Specular IOR Level"].default_value = float(specular)
    mat.diffuse_color = _rgba(rgb)
    return mat


def _pattern_factor(nt: Any, coords: Any, pattern: dict[str, Any]) -> Any | None:
    """The output socket of a ``[0, 1]`` pattern mask built from ``pattern`` (kinds:
    solid, stripes, checker, plaid, noise, dots), or None for solid."""
    kind = pattern.get("kind", "solid")
    scale = float(pattern.get("scale", 10.0))
    nodes, links = nt.nodes, nt.links

    def wave(axis: str) -> Any:
        w = nodes.new("ShaderNodeTexWave")
        w.wave_type = "BANDS"
        w.bands_direction = axis
        w.inputs["Scale"].default_value = scale
        w.inputs["Distortion"].default_value = 0.0
        w.inputs["Detail"].default_value = 0.0
        links.new(coords, w.inputs["Vector"])
        thr = nodes.new("ShaderNodeMath")
        thr.operation = "GREATER_THAN"
        thr.inputs[1].default_value = 0.5
        links.new(w.outputs["Fac"], thr.inputs[0])
        return thr.outputs[0]

    if kind == "solid":
        return None
    if kind == "stripes":
        return wave(pattern.get("axis", "Z"))
    if kind == "checker":
        c = nodes.new("ShaderNodeTexChecker")
        c.inputs["Scale"].default_value = scale
        links.new(coords, c.inputs["Vector"])
        return c.outputs["Fac"]
    if kind == "plaid":
        a, b = wave("X"), wave("Z")
        add = nodes.new("ShaderNodeMath")
        add.operation = "ADD"
        links.new(a, add.inputs[0])
        links.new(b, add.inputs[1])
        half = nodes.new("ShaderNodeMath")
        half.operation = "MULTIPLY"
        half.inputs[1].default_value = 0.5
        links.new(add.outputs[0], half.inputs[0])
        return half.outputs[0]
    if kind == "noise":
        n = nodes.new("ShaderNodeTexNoise")
        n.inputs["Scale"].default_value = scale
        n.inputs["Detail"].default_value = float(pattern.get("detail", 2.0))
        links.new(coords, n.inputs["Vector"])
        return n.outputs["Fac"]
    if kind == "dots":
        v = nodes.new("ShaderNodeTexVoronoi")
        v.feature = "F1"
        v.inputs["Scale"].default_value = scale
        v.inputs["Randomness"].default_value = 0.0
        links.new(coords, v.inputs["Vector"])
        lt = nodes.new("ShaderNodeMath")
        lt.operation = "LESS_THAN"
        lt.inputs[1].default_value = float(pattern.get("radius", 0.25))
        links.new(v.outputs["Distance"], lt.inputs[0])
        return lt.outputs[0]
    raise ValueError(f"unknown pattern kind {kind!r}")


def patterned_material(name: str, rgb: list[float], roughness: float, pattern: dict[str, Any],
                       coords: str = "rest") -> Any:
    """A garment / ground material: colour ``rgb`` modulated by a pattern mask; where the
    mask is 1 the colour is darkened (or, for dark colours, lightened) by
    ``pattern["contrast"]``. ``coords``: ``rest`` (the mesh's rest-position attribute) or
    ``object`` (object coordinates, for static objects)."""
    mat, nt, bsdf = _new_material(name)
    bsdf.inputs["Roughness"].default_value = float(roughness)
    base = np.asarray(rgb, dtype=np.float64)
    mat.diffuse_color = _rgba(base.tolist())
    if coords == "rest":
        src = nt.nodes.new("ShaderNodeAttribute")
        src.attribute_type = "GEOMETRY"
        src.attribute_name = REST_ATTRIBUTE
        vec = src.outputs["Vector"]
    else:
        src = nt.nodes.new("ShaderNodeTexCoord")
        vec = src.outputs["Object"]
    fac = _pattern_factor(nt, vec, pattern)
    if fac is None:
        bsdf.inputs["Base Color"].default_value = _rgba(base.tolist())
        return mat
    contrast = float(pattern.get("contrast", 0.4))
    lum = float(base @ [0.2126, 0.7152, 0.0722])
    other = base * (1 - contrast) if lum > 0.08 else base + (1 - base) * contrast * 0.5
    mix = nt.nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    ins = {s.identifier: s for s in mix.inputs}
    nt.links.new(fac, ins["Factor_Float"])
    ins["A_Color"].default_value = _rgba(base.tolist())
    ins["B_Color"].default_value = _rgba(other.tolist())
    out = {s.identifier: s for s in mix.outputs}["Result_Color"]
    nt.links.new(out, bsdf.inputs["Base Color"])
    return mat
