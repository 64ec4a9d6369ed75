"""``ciasa evaluate-control``: the attack against its control, from two cross-modal
evaluations of the same recogniser on the same clean samples (``crossmodal.json`` of the
attack's sets and of a random perturbation's, e.g. a run with ``attack.method=noise``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from flows.cli.common import console


def _displacement(attack_json: Optional[Path]) -> float | None:
    if attack_json is None:
        return None
    from pipeline.io_utils import load_json

    return (load_json(attack_json, "attack.json").get("metrics") or {}).get("mean_joint_displacement_mm")


def control_command(
    attacked: Path = typer.Option(..., "--attacked", help="crossmodal.json of the attack's sets ('ciasa "
                                  "evaluate-crossmodal' or a run's evaluate stage)"),
    control: Path = typer.Option(..., "--control", help="crossmodal.json of the control's sets: the same clean and "
                                 "recovered clean skeletons, the control's perturbed ones in the adversarial places"),
    out: Path = typer.Option(..., "--out", help="output folder for control.json and control.md"),
    attack_json: Optional[Path] = typer.Option(None, "--attack-json", help="the attack's attack.json (its mean "
                                               "joint displacement is shown beside the control's)"),
    control_attack_json: Optional[Path] = typer.Option(None, "--control-attack-json", help="the control's "
                                                       "attack.json"),
) -> None:
    """Is a cross-modal accuracy drop the attack's? Accuracy drops of the attack and of the
    control on the same samples, and the attack's own share (control - adversarial
    accuracy) with its 95 % interval (Newcombe, paired); source and recovered skeletons."""
    from rich.table import Table

    from pipeline.crossmodal_control import compare_control, fmt_difference, write_control
    from pipeline.crossmodal_report import fmt_pct as pct
    from pipeline.crossmodal_report import REPORT_FORMAT
    from pipeline.io_utils import load_json_document

    docs = [load_json_document(p, REPORT_FORMAT, "cross-modal evaluation") for p in (attacked, control)]
    moved = {"adversarial": _displacement(attack_json), "control": _displacement(control_attack_json)}
    got = compare_control(*docs, displacement_mm={k: v for k, v in moved.items() if v is not None},
                          names=(str(attacked), str(control)))
    written = write_control(got, out)

    table = Table(title=f"{got.model}: the attack against its control")
    for name in ("skeletons", "samples", "clean", "adversarial", "control", "attack drop", "control drop",
                 "attack's share"):
        table.add_column(name, justify="left" if name == "skeletons" else "right")
    for side in (got.source, got.recovered):
        table.add_row(side.skeletons, str(side.num_samples), pct(side.clean_accuracy), pct(side.adversarial_accuracy),
                      pct(side.control_accuracy), fmt_difference(side.attack_drop),
                      fmt_difference(side.control_drop), fmt_difference(side.attack_share))
    console.print(table)
    console.print(got.verdict())
    console.print("wrote " + ", ".join(str(p) for p in written))
