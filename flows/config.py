"""The cross-modal run's settings: one pydantic model per stage plus the flow's
(:class:`CrossModalConfig`), read from a YAML file and ``key=value`` overrides.

Every default lives in the stage's own model (:class:`attack.config.AttackConfig`,
:class:`render.config.RenderConfig`, :class:`pose_extract.config.ExtractConfig`,
:class:`pipeline.synth.SynthConfig`); the models here only add what a run needs around
them. The flow takes :class:`CrossModalConfig` as a typed parameter, so the Prefect UI
shows it as a form; the run's manifest (``run.json``) records every value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from attack.config import DEFAULT_BATCH_SIZE, AttackConfig
from flows.rundir import DEFAULT_RUN_DIR  # noqa: F401 - re-exported with the other defaults
from pipeline.synth import SynthConfig
from pipeline.synth.ntu60.world import NTU60Config
from pose_extract.config import ExtractConfig
from render.config import RenderConfig

#: The recogniser attacked and evaluated by default (bundled, trained on the NTU-60-like
#: world's X-view training split).
DEFAULT_MODEL = "stgcn-ntu60"
#: Sequences attacked, rendered and recovered by default: 12 of the 60 classes, one each
#: (class-balanced draw; see the README for the time on a 2-core CPU).
DEFAULT_SAMPLES = 12

Device = Literal["auto", "cpu", "cuda"]

#: The word in ``evaluate.transfer_models`` that stands for the attacked model's bundled peers.
PEERS = "peers"

#: Named run presets (``ciasa run --preset NAME``): settings applied first, under the YAML
#: file and the overrides. ``paper``: the paper's cross-modal experiment at its scale, 240
#: sequences of the X-view validation split (four per class, class-balanced, each classified
#: correctly by the attacked model), scored by the attacked model's bundled peers too (the
#: transfer table), the attack in resumable pieces of one batch (16 samples; the same result
#: as one task), everything else at the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"source": {"samples": 240}, "attack": {"chunk": DEFAULT_BATCH_SIZE},
              "evaluate": {"transfer_models": [PEERS]}},
}


class SourceConfig(BaseModel):
    """Where the clean sequences come from and how they are picked.

    ``samples`` sequences are drawn class-balanced (round-robin over the classes in a
    seeded order) among those the recogniser classifies correctly (with ``correct_only``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    data: str | None = Field(None, description="skeleton set to draw from (a ciasa .npz, a folder with part, or "
                             "any format 'ciasa data info' reads); default: the synthetic world named by world")
    world: Literal["ntu60", "ntu12"] = Field("ntu60", description="the synthetic world generated when data is not "
                                             "given: ntu60 (all 60 NTU classes, described by ntu60) or ntu12 (the "
                                             "first, 12-class generator, described by synth)")
    part: str | None = Field("val", description="split to draw from (a synthetic world's val split is held out "
                             "from the bundled models' training); none: the whole set")
    benchmark: Literal["xview", "xsub"] = Field("xview", description="the ntu60 world's benchmark whose part is "
                                                "drawn (the bundled models train on xview)")
    ntu60: NTU60Config = Field(NTU60Config(), description="the ntu60 world (the default is the bundled models' "
                               "training set; its xview val split is held out)")
    synth: SynthConfig = Field(SynthConfig(), description="the ntu12 world")
    samples: int = Field(DEFAULT_SAMPLES, ge=1, description="sequences to attack, render and recover")
    seed: int = Field(0, description="seed of the class-balanced draw")
    correct_only: bool = Field(True, description="draw only sequences the recogniser classifies correctly")
    shard: str | None = Field(None, pattern=r"^[0-9]+/[0-9]+$", description="K/N: only the K-th of N blocks of "
                              "the draw's class-balanced order (the N shards partition the samples; run them as "
                              "separate runs, on other machines or days, and pool them with 'ciasa merge-runs'); "
                              "none: the whole draw")

    @property
    def shard_pair(self) -> tuple[int, int] | None:
        """``(K, N)`` of :attr:`shard`, or None."""
        if self.shard is None:
            return None
        k, n = self.shard.split("/")
        return int(k), int(n)

    @model_validator(mode="after")
    def _shard_in_range(self) -> SourceConfig:
        pair = self.shard_pair
        if pair is not None and not 1 <= pair[0] <= pair[1] <= self.samples:
            raise ValueError(f"shard {self.shard} needs 1 <= K <= N <= samples ({self.samples})")
        return self


class AttackStageConfig(AttackConfig):
    """The attack's settings (:class:`attack.config.AttackConfig`, advanced mode by
    default as in the paper's cross-modal experiment) plus how it runs."""

    mode: Literal["basic", "localized", "advanced"] = Field(
        "advanced", description="basic (all joints, global eps), localized (one region), advanced (region + "
        "per-joint eps; legs by default)")
    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, description="samples attacked at once")
    chunk: int = Field(0, ge=0, description="samples per attack task, a multiple of batch_size: each piece is "
                       "saved as it ends (an interrupted attack resumes from the last piece) and a process or Dask "
                       "runner attacks pieces at once on its workers; the result is the same as in one task. 0: "
                       "the whole set in one task (on a GPU, one batch is best)")
    device: Device = Field("auto", description="torch device: auto (cuda when the worker has one), cpu or cuda")

    @model_validator(mode="after")
    def _chunk_on_batches(self) -> AttackStageConfig:
        if self.chunk % self.batch_size:
            raise ValueError(f"attack.chunk ({self.chunk}) must be a multiple of attack.batch_size "
                             f"({self.batch_size}): a piece must hold whole batches for the result to be the "
                             "one-task result")
        return self

    #: Settings that decide how the attack runs, not what it gives (out of the stage's key).
    RUN_ONLY: ClassVar[frozenset[str]] = frozenset({"device", "chunk"})

    def attack_config(self) -> AttackConfig:
        """The library's :class:`AttackConfig` (without the run settings)."""
        return AttackConfig(**self.model_dump(include=set(AttackConfig.model_fields)))


class EvaluateConfig(BaseModel):
    """How the recogniser scores the four sets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, description="samples per forward pass")
    device: Device = Field("auto", description="torch device: auto, cpu or cuda")
    transfer_models: list[str] = Field(default_factory=list, description="other recognisers that score the same "
                                       "four sets (the cross-modal transfer table, transfer.md): bundled names, "
                                       "checkpoints or pkg.module:factory specs, which must know the set's "
                                       "classes; 'peers' stands for the other bundled recognisers of the attacked "
                                       "model's world")


class CrossModalConfig(BaseModel):
    """Every setting of the cross-modal experiment: skeletons -> CIASA -> videos ->
    recovered skeletons -> recogniser."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(DEFAULT_MODEL, description="recogniser attacked and evaluated: bundled name "
                       "(stgcn-ntu60, stgcn-synth, agcn-synth, ...), checkpoint path, or pkg.module:factory / file.py:factory "
                       "(your own code, imported only when named here)")
    source: SourceConfig = Field(SourceConfig(), description="the clean sequences")
    attack: AttackStageConfig = Field(AttackStageConfig(), description="the attack (CIASA, advanced mode)")
    render: RenderConfig = Field(RenderConfig(), description="the videos (headless Blender)")
    extract: ExtractConfig = Field(ExtractConfig(), description="the recovered skeletons (MediaPipe)")
    evaluate: EvaluateConfig = Field(EvaluateConfig(), description="the recogniser's scoring")
    control: Literal["none", "noise"] = Field(
        "none", description="a control beside the attack: noise perturbs the same clean samples at random in the "
        "same joints and bounds (attack.method=noise), renders, recovers and scores them too, and the report "
        "gives the attack's own share of the drop (adversarial against control, 95 % interval); about doubles "
        "the adversarial renders")
    render_retries: int = Field(1, ge=0, description="retries of a failed sequence render")
    extract_retries: int = Field(1, ge=0, description="retries of a failed sequence extraction")
    retry_delay_s: float = Field(2.0, ge=0, description="seconds between retries")

    @model_validator(mode="after")
    def _check(self) -> "CrossModalConfig":
        if self.source.data is None and self.source.part is not None and self.source.part not in ("train", "val"):
            raise ValueError(f"a synthetic world has splits train and val, not {self.source.part!r}")
        return self


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"render.quality=preview"`` -> ``(["render", "quality"], "preview")``; the value is
    read as YAML (``2`` an int, ``[96, 64]`` a list, ``null`` None, ``true`` a bool)."""
    import yaml

    from pipeline.errors import ValidationError

    key, sep, value = text.partition("=")
    path = [k.strip() for k in key.split(".")]
    if not sep or not all(path):
        raise ValidationError(f"an override looks like section.field=value, got {text!r}", field=key or None)
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as exc:
        raise ValidationError(f"cannot read the value {value!r}: {exc}", field=key) from None
    return path, parsed


def _set_path(doc: dict[str, Any], path: list[str], value: Any) -> None:
    from pipeline.errors import ValidationError

    node = doc
    for i, k in enumerate(path[:-1]):
        child = node.setdefault(k, {})
        if not isinstance(child, dict):
            raise ValidationError(f"{'.'.join(path[:i + 1])} is a value, not a section", field=".".join(path))
        node = child
    node[path[-1]] = value


def transfer_specs(specs: list[str], model: str) -> list[str]:
    """``evaluate.transfer_models`` with :data:`PEERS` replaced by the other bundled
    recognisers of ``model``'s world (:func:`pipeline.models.bundled_peers`; none for a model
    that is not bundled), duplicates and the attacked model itself left out, order kept."""
    out: list[str] = []
    for spec in specs:
        if spec == PEERS:
            from pipeline.models import bundled_peers

            out += bundled_peers(model)
        else:
            out.append(spec)
    return [s for i, s in enumerate(out) if s != model and s not in out[:i]]


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, section by section (nested mappings merged, values replaced)."""
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                preset: str | None = None) -> CrossModalConfig:
    """The run's settings: the defaults, then the :data:`PRESETS` entry ``preset``, then the
    YAML file ``path`` (a mapping of the :class:`CrossModalConfig` fields), then
    ``overrides`` (``section.field=value``).

    Raises:
        MissingInputError: ``path`` does not exist.
        FormatError: the file is not a YAML mapping.
        ValidationError: an unknown preset, an unknown field or an invalid value (the dotted
            field named).
    """
    import yaml

    from flows.cli.common import build_config
    from pipeline.errors import FormatError, MissingInputError

    doc: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise MissingInputError("no such run configuration file", path=path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise FormatError(f"not valid YAML: {' '.join(str(exc).split())}", path=path) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise FormatError("a run configuration is a mapping of sections", path=path)
        doc = loaded or {}
    if preset is not None:
        from pipeline.errors import ValidationError

        if preset not in PRESETS:
            raise ValidationError(f"no preset {preset!r} (presets: {', '.join(sorted(PRESETS))})", field="preset")
        doc = _merge(PRESETS[preset], doc)
    for text in overrides:
        keys, value = parse_override(text)
        _set_path(doc, keys, value)
    return build_config(CrossModalConfig, **doc)

