"""The records the cross-modal stages return (:mod:`flows.stages`): small typed outputs
that the Prefect tasks pass on and persist as JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["clean", "adversarial", "control"]
#: The two sets of every run; a run with a control (``control=noise``) adds :data:`CONTROL`.
ROLES: tuple[Role, Role] = ("clean", "adversarial")
#: The control's role: the clean samples perturbed at random within the attack's bounds.
CONTROL: Role = "control"


class StageOutput(BaseModel):
    """What every stage output record has: the stage key, the seconds the stage function
    took, whether the output folder was found complete and reused without calling it
    (``reused``) and whether Prefect answered from its cache (``cached``, set by the flow)."""

    key: str
    seconds: float = 0.0
    reused: bool = False
    cached: bool = False


class SampleRef(BaseModel):
    """One sequence of a set: its name, index, label, valid frames and content hash
    (SHA-256 over the valid frames and the name)."""

    name: str
    index: int
    label: int
    num_frames: int
    content_hash: str


class SetOutput(StageOutput):
    """A skeleton set written by a stage (``path``, ``.npz`` with its ``.json`` manifest)."""

    stage: str
    folder: str
    path: str
    content_hash: str
    samples: list[SampleRef] = Field(default_factory=list)
    info: dict[str, Any] = Field(default_factory=dict)


class SequenceOutput(StageOutput):
    """One sequence's render (``bundle``) or its failure (``reason``)."""

    role: Role
    name: str
    status: Literal["ok", "failed"] = "ok"
    reason: str | None = None
    bundle: str | None = None
    frames: int = 0


class ExtractOutput(StageOutput):
    """One bundle's extraction: ``folder`` holds ``sample.npz`` (absent when it failed)
    and ``sample_report.json``."""

    role: Role
    name: str
    folder: str
    status: Literal["ok", "failed"] = "ok"
    reason: str | None = None
    detection_rate: float | None = None
    mpjpe_mm: float | None = None


class RecoveredOutput(StageOutput):
    """The recovered set of one role (``path`` None when no sequence was recovered) and
    the joined extraction report."""

    role: Role
    folder: str
    path: str | None
    report: str
    content_hash: str | None
    samples: list[str] = Field(default_factory=list)


class EvaluateOutput(StageOutput):
    """``crossmodal.json`` / ``crossmodal.md`` and the headline numbers; ``transfer_path``:
    ``transfer.json`` when other recognisers scored the sets too (else None)."""

    folder: str
    json_path: str
    markdown_path: str
    headline: str
    transfer_path: str | None = None
