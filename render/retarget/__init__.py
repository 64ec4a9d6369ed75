"""Retargeting NTU-25 skeleton sequences onto body rigs: the documented joint map
(:mod:`.joint_map`), bone-length shape fitting (:mod:`.shape_fit`), batched IK in torch
(:mod:`.ik`) and the per-sample entry point :func:`retarget_sample` (:mod:`.sequence`)."""

from render.retarget.ik import IKConfig, IKSolution, solve_ik
from render.retarget.joint_map import BODY_MAPS, JOINT_GROUPS, body_map, resolve
from render.retarget.sequence import Retarget, RetargetConfig, RetargetResult, check_sample, retarget_sample
from render.retarget.shape_fit import ShapeFit, bone_lengths, fit_shape

__all__ = [
    "BODY_MAPS", "JOINT_GROUPS", "IKConfig", "IKSolution", "Retarget", "RetargetConfig",
    "RetargetResult", "ShapeFit", "body_map", "bone_lengths", "check_sample", "fit_shape",
    "resolve", "retarget_sample", "solve_ik",
]  # fmt: skip
