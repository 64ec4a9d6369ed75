"""World light and background (an HDRI from the bpy wheel), the ground plane, the sun
(worker only)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from render.blender import materials

log = logging.getLogger(__name__)


def hdri_path(name: str) -> Path:
    """``<bpy>/<version>/datafiles/studiolights/world/<name>.exr`` inside the installed bpy."""
    import bpy

    root = Path(bpy.utils.system_resource("DATAFILES")) / "studiolights" / "world"
    path = root / f"{name}.exr"
    if not path.is_file():
        known = sorted(p.stem for p in root.glob("*.exr"))
        raise FileNotFoundError(f"no HDRI {name!r} in {root}; known: {', '.join(known)}")
    return path


def set_hdri_world(name: str, strength: float, rotation_deg: float) -> Any:
    """World = environment texture ``name`` rotated about Z by ``rotation_deg`` with
    Background ``strength``; it lights the scene and is the visible background."""
    import bpy

    world = bpy.data.worlds.new(f"world_{name}")
    bpy.context.scene.world = world
    if world.node_tree is None:
        world.use_nodes = True
    nt = world.node_tree
    for n in list(nt.nodes):
        nt.nodes.remove(n)
    coord = nt.nodes.new("ShaderNodeTexCoord")
    mapping = nt.nodes.new("ShaderNodeMapping")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, math.radians(rotation_deg))
    env = nt.nodes.new("ShaderNodeTexEnvironment")
    env.image = bpy.data.images.load(str(hdri_path(name)), check_existing=True)
    bg = nt.nodes.new("ShaderNodeBackground")
    bg.inputs["Strength"].default_value = float(strength)
    out = nt.nodes.new("ShaderNodeOutputWorld")
    nt.links.new(coord.outputs["Generated"], mapping.inputs["Vector"])
    nt.links.new(mapping.outputs["Vector"], env.inputs["Vector"])
    nt.links.new(env.outputs["Color"], bg.inputs["Color"])
    nt.links.new(bg.outputs["Background"], out.inputs["Surface"])
    log.info("world: HDRI %s, strength %.2f, rotation %.0f deg", name, strength, rotation_deg)
    return world


def add_ground(z: float, size: float, look: dict[str, Any]) -> Any:
    """A square plane ``size`` metres wide at height ``z``, centred under the origin,
    with a patterned material; it receives the body's shadows."""
    import bpy

    h = size / 2
    mesh = bpy.data.meshes.new("ground")
    mesh.from_pydata([(-h, -h, z), (h, -h, z), (h, h, z), (-h, h, z)], [], [(0, 1, 2, 3)])
    mesh.update()
    obj = bpy.data.objects.new("ground", mesh)
    bpy.context.scene.collection.objects.link(obj)
    pattern = {"kind": look.get("pattern", "solid"), "scale": look.get("scale", 1.0),
               "contrast": look.get("contrast", 0.2)}
    mesh.materials.append(materials.patterned_material(f"ground_{look.get('name', 'plain')}", look["rgb"],
                                                       look.get("roughness", 0.8), pattern, coords="object"))
    return obj


def sun_direction(cam_to_world: np.ndarray, azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector from the scene towards the sun: azimuth 0 = from behind the camera
    (its horizontal viewing direction reversed), positive azimuth turns it about +Z;
    elevation above the horizon."""
    fwd = -np.asarray(cam_to_world, dtype=np.float64)[:3, 2]  # Blender cameras look along -Z
    fwd[2] = 0.0
    n = np.linalg.norm(fwd)
    fwd = fwd / n if n > 1e-9 else np.array([0.0, 1.0, 0.0])
    a = math.radians(azimuth_deg)
    back = -fwd
    horiz = np.array([back[0] * math.cos(a) - back[1] * math.sin(a),
                      back[0] * math.sin(a) + back[1] * math.cos(a), 0.0])
    e = math.radians(elevation_deg)
    return horiz * math.cos(e) + np.array([0.0, 0.0, math.sin(e)])


def add_sun(direction: np.ndarray, strength: float, angle_deg: float) -> Any:
    """A sun lamp shining from ``direction`` (unit, scene -> sun) with ``strength``
    (W/m^2) and angular diameter ``angle_deg`` (soft shadows)."""
    import bpy
    from mathutils import Vector

    light = bpy.data.lights.new("sun", "SUN")
    light.energy = float(strength)
    light.angle = math.radians(angle_deg)
    obj = bpy.data.objects.new("sun", light)
    bpy.context.scene.collection.objects.link(obj)
    # a sun emits along its local -Z: point local +Z at the sun
    obj.rotation_mode = "QUATERNION"
    obj.rotation_quaternion = Vector(direction.tolist()).to_track_quat("Z", "Y")
    obj.location = (direction * 10.0).tolist()
    return obj
