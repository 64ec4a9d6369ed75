"""Rendering skeleton sequences as RGB videos of SMPL-X / Anny bodies in headless
Blender (issue: the render stage). bpy is imported only inside a worker process."""
