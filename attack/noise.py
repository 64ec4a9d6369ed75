"""A random perturbation under CIASA's constraints: the control of the cross-modal experiment.

The cross-modal experiment asks whether an *adversarial* perturbation survives render and
extraction. A recovered accuracy drop alone cannot say whether it is the attack's doing
or what the video loop makes of any motion of that size; the control answers it: the
same joints, the same per-joint bounds, the same spatial realignment (bone lengths kept)
and a temporally smooth motion like CIASA's, but no model gradient.

Per sample, joint, body and coordinate the displacement is Gaussian noise smoothed over
time with a Gaussian kernel of ``smooth_frames`` frames (standard deviation), scaled so
that the largest displacement of each track is its joint's bound, then clipped and
realigned exactly as CIASA projects each iterate (:func:`attack.constraints.project`).
Each sample's draw is seeded by the attack's seed and the sample's own data, so it does not
depend on the batch it is attacked in. The model is only read for the clean and final
predictions; nothing is targeted.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from attack.base import Attack, Batch, resolve_layout
from attack.constraints import project
from attack.regions import EpsSpec, RegionSpec, mode_region_eps
from pipeline.errors import ValidationError
from pipeline.layouts import Layout

#: Temporal smoothing of the noise (Gaussian standard deviation, frames): 5 frames at 30 fps,
#: slow next to the per-frame jitter the smoothness term of CIASA suppresses.
DEFAULT_SMOOTH_FRAMES = 5.0


def smooth_noise(shape: tuple[int, ...], smooth_frames: float, gen: torch.Generator,
                 dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Gaussian noise ``(N, C, T, V, M)`` smoothed along T, each (n, c, v, m) track scaled to a
    largest absolute value of 1 (pure function of the generator's state).

    Args:
        shape: ``(N, C, T, V, M)``.
        smooth_frames: kernel standard deviation in frames (0: white noise).
        gen: CPU generator the draw consumes.
    """
    n, c, t, v, m = shape
    z = torch.randn((n, c, v, m, t), generator=gen, dtype=torch.float64)
    if smooth_frames > 0 and t > 1:
        half = max(1, min(t - 1, int(math.ceil(3 * smooth_frames))))
        k = torch.arange(-half, half + 1, dtype=torch.float64)
        kernel = torch.exp(-0.5 * (k / smooth_frames) ** 2)
        kernel = (kernel / kernel.sum()).reshape(1, 1, -1)
        flat = F.pad(z.reshape(-1, 1, t), (half, half), mode="replicate")
        z = F.conv1d(flat, kernel).reshape(n, c, v, m, t)
    peak = z.abs().amax(dim=-1, keepdim=True).clamp_min(1e-12)
    return (z / peak).permute(0, 1, 4, 2, 3).to(dtype).contiguous()


class RandomPerturbation(Attack):
    """The control: a smooth random displacement inside the attack's bounds, realigned.

    Only valid joints of the region move, as in every attack here (padding, absent bodies,
    other joints are bit-identical to the input). Untargeted: the result has no targets.

    Args:
        model: callable ``(N, C, T, V, M) -> (N, K)`` logits (read for the predictions only).
        eps, mode, region: as :class:`attack.ciasa.CIASA` (``None``: the mode's default
            bounds, in advanced mode the legs' hierarchical schedule).
        smooth_frames: temporal smoothing of the noise, frames (:func:`smooth_noise`).
        realignment: apply CIASA's spatial realignment after clipping (bone lengths kept).
        layout, seed, device, fps: see :class:`attack.base.Attack`.
    """

    name = "noise"

    def __init__(self, model: Callable[[torch.Tensor], torch.Tensor], eps: EpsSpec = None, mode: str = "basic",
                 region: RegionSpec = None, *, smooth_frames: float = DEFAULT_SMOOTH_FRAMES,
                 realignment: bool = True, layout: str | Layout | None = None, seed: int = 0,
                 device: str | torch.device | None = None, fps: float = 30.0) -> None:
        region, eps = mode_region_eps(mode, region, eps, resolve_layout(model, layout), who="the noise control")
        super().__init__(model, eps=eps, region=region, target="least_likely", layout=layout, seed=seed,
                         device=device, fps=fps)
        self.mode = mode
        if not (isinstance(smooth_frames, (int, float)) and math.isfinite(smooth_frames) and smooth_frames >= 0):
            raise ValidationError(f"smooth_frames must be finite and >= 0, got {smooth_frames!r}",
                                  field="smooth_frames")
        self.smooth_frames = float(smooth_frames)
        self.realignment = bool(realignment)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "target": None, "mode": self.mode, "smooth_frames": self.smooth_frames,
                "realignment": self.realignment}

    def sample_seed(self, sample: torch.Tensor) -> int:
        """The draw's seed for one clean sample ``(C, T, V, M)``: the attack's seed and the
        sample's bytes, so that a sample's displacement does not depend on its batch."""
        data = sample.detach().to("cpu", torch.float64).contiguous().numpy().tobytes()
        return (self.seed * 1_000_003 + zlib.crc32(data)) % (2**63)

    def _run(self, batch: Batch, clean_logits: torch.Tensor) -> tuple[torch.Tensor, None, dict[str, Any]]:
        x, mask = batch.x, batch.mask
        eps = torch.as_tensor(self.eps_vec, dtype=x.dtype, device=x.device)
        u = torch.cat([smooth_noise((1, *x.shape[1:]), self.smooth_frames,
                                    torch.Generator().manual_seed(self.sample_seed(x[i])), x.dtype)
                       for i in range(x.shape[0])]).to(x.device)
        adv = x + u * eps.reshape(1, 1, 1, -1, 1)
        adv, _ = project(adv, x, eps, self.layout, mask=mask, movable=self.movable, channels=self.channels,
                         realignment=self.realignment)
        return adv.detach(), None, {}
