"""Render engine settings from a quality preset; GPU Cycles when present (worker only).

Preset keys (``blender_assets/quality_presets.json``): ``engine`` (CYCLES or
BLENDER_WORKBENCH), ``samples``, ``adaptive_threshold`` (0 = adaptive sampling off),
``denoise``, ``denoise_quality`` (HIGH/BALANCED/FAST), ``denoise_prefilter``
(NONE/FAST/ACCURATE), light-path bounces, ``filter_width`` (pixels), ``persistent_data``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

_GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")

#: Environment variable that picks the Cycles CPU kernel: ``auto`` (the best this CPU has,
#: AVX2 where present) or ``sse42`` (the kernel a CPU without AVX2 runs). Renders are not
#: bit-identical across kernels (README, "Reproducibility"); this reproduces on one machine
#: what another instruction set renders. Recorded in the bundle's manifest.
CPU_KERNEL_ENV = "CIASA_CYCLES_CPU_KERNEL"
CPU_KERNELS = ("auto", "sse42")


def cpu_kernel() -> str:
    """The Cycles CPU kernel asked for by :data:`CPU_KERNEL_ENV` (default ``auto``)."""
    kernel = os.environ.get(CPU_KERNEL_ENV, "auto").strip().lower() or "auto"
    if kernel not in CPU_KERNELS:
        raise ValueError(f"{CPU_KERNEL_ENV}={kernel!r}: expected one of {', '.join(CPU_KERNELS)}")
    return kernel


def enable_gpu() -> str | None:
    """Switch Cycles to the first GPU backend that has a device; its name, or None."""
    import bpy

    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
    except KeyError:
        return None
    for backend in _GPU_BACKENDS:
        try:
            prefs.compute_device_type = backend
        except TypeError:  # backend not compiled in
            continue
        try:
            prefs.refresh_devices()
        except AttributeError:
            prefs.get_devices()
        devices = [d for d in prefs.devices if d.type == backend]
        if devices:
            for d in prefs.devices:
                d.use = d.type == backend
            bpy.context.scene.cycles.device = "GPU"
            return f"{backend}: " + ", ".join(d.name for d in devices)
    prefs.compute_device_type = "NONE"
    return None


def apply_quality(preset: dict[str, Any], *, threads: int = 0, device: str = "auto", seed: int = 0) -> dict[str, Any]:
    """Configure the scene's renderer; returns what was used (engine, device, threads)."""
    import bpy

    scene = bpy.context.scene
    r = scene.render
    r.engine = preset.get("engine", "CYCLES")
    r.use_persistent_data = bool(preset.get("persistent_data", True))
    r.film_transparent = False
    r.use_motion_blur = False
    if threads > 0:
        r.threads_mode, r.threads = "FIXED", int(threads)
    else:
        r.threads_mode = "AUTO"
    scene.view_settings.view_transform = preset.get("view_transform", "AgX")
    used: dict[str, Any] = {"engine": r.engine, "threads": r.threads, "device": "CPU"}
    if r.engine == "BLENDER_WORKBENCH":
        shading = scene.display.shading
        shading.light = "STUDIO"
        shading.color_type = "MATERIAL"
        scene.display.render_aa = preset.get("workbench_aa", "5")
        return used
    c = scene.cycles
    c.device = "CPU"
    if device in ("auto", "gpu"):
        gpu = enable_gpu()
        if gpu:
            used["device"] = gpu
        elif device == "gpu":
            raise RuntimeError("device 'gpu' requested but Cycles found no GPU")
    c.samples = int(preset["samples"])
    thr = float(preset.get("adaptive_threshold", 0.0))
    c.use_adaptive_sampling = thr > 0
    if thr > 0:
        c.adaptive_threshold = thr
    c.use_denoising = bool(preset.get("denoise", False))
    if c.use_denoising:
        try:
            c.denoiser = "OPENIMAGEDENOISE"
        except TypeError:
            log.warning("OpenImageDenoise is not available; Cycles picks its denoiser")
        c.denoising_quality = preset.get("denoise_quality", "FAST")
        prefilter = preset.get("denoise_prefilter", "FAST")
        c.denoising_prefilter = prefilter
        c.denoising_input_passes = "RGB" if prefilter == "NONE" else "RGB_ALBEDO_NORMAL"
    c.max_bounces = int(preset.get("max_bounces", 4))
    c.diffuse_bounces = int(preset.get("diffuse_bounces", 2))
    c.glossy_bounces = int(preset.get("glossy_bounces", 1))
    c.transmission_bounces = int(preset.get("transmission_bounces", 0))
    c.volume_bounces = 0
    c.transparent_max_bounces = 2
    c.caustics_reflective = c.caustics_refractive = False
    c.filter_width = float(preset.get("filter_width", 1.5))
    if "light_tree" in preset:  # Cycles' light tree (on by default): pays off with many lights only
        c.use_light_tree = bool(preset["light_tree"])
    c.seed = int(seed) % 2**31
    c.use_animated_seed = False
    kernel = cpu_kernel()
    if kernel == "sse42":
        # Cycles reads its debug flags from the scene only with the developer UI and Cycles
        # debugging on (else each render resets them); the CPU kernel is picked at the first render
        prefs = bpy.context.preferences
        prefs.view.show_developer_ui = True
        prefs.experimental.use_cycles_debug = True
        c.debug_use_cpu_avx2 = False
        c.debug_use_cpu_sse42 = True
    used.update(samples=c.samples, denoise=c.use_denoising, cpu_kernel=kernel)
    return used
