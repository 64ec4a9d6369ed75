"""The shared core of ciasa: skeleton layouts, the ``(N, C, T, V, M)`` tensor contract,
the :class:`~pipeline.skeleton_set.SkeletonSet` artifact, dataset formats and the
synthetic NTU-style action generator.

Nothing here imports ``attack``, ``render``, ``pose_extract``, ``flows``, bpy or
mediapipe (see shared/DESIGN.md).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
