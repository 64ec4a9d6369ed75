"""The Blender side of the render stage.

Everything here that imports ``bpy`` does so inside its functions and runs only in the
worker process (``python -m render.blender.worker JOB_DIR``); the parent process may import
the bpy-free modules (:mod:`render.blender.job`, :mod:`render.blender.rotations`,
:mod:`render.blender.regions`) but never bpy itself. One module per concern, BlenderProc
style: ``scene`` (reset), ``armature``, ``skin``, ``materials``, ``world``, ``camera``,
``render_settings``, ``video``, ``probe`` (evaluated mesh / projections for tests),
``worker`` (the entry point).
"""
