"""The paper's published numbers (fractions) and the experiments' protocol defaults: eps
grids, samples per class, and which experiments attack only correctly classified samples.

Used by :mod:`attack.experiments`; the numbers are the paper's (Liu, Akhtar & Mian, CIASA,
IEEE TNNLS), its Fig. 2 and Tables I-III, stored as fractions.
"""

from __future__ import annotations

from typing import Any

from attack.config import DEFAULT_EXPERIMENT_PER_CLASS

#: Fig. 2: no table in the paper; its claim, used as a lower bound per row.
PAPER_FIG2: dict[str, Any] = {
    "claim": "FGSM fooling rate above 90 % for every protocol (NTU-XS, NTU-XV, Kinetics) from eps = 0.02",
    "min_fooling_rate": 0.90, "from_eps": 0.02,
}
#: Table I: basic mode, targeted (least likely), fooling rate by eps x 1e-3.
PAPER_TABLE1: dict[str, Any] = {
    "eps_x1e3": [4, 6, 8, 10, 12],
    "ntu_xs": [0.894, 0.966, 0.987, 0.992, 0.998],
    "ntu_xv": [0.782, 0.855, 0.933, 0.989, 0.996],
    "kinetics": [0.825, 0.925, 0.965, 0.975, 0.993],
}
#: Table II: localized mode, eps 0.04, fooling rate for regions 1-4.
PAPER_TABLE2: dict[str, Any] = {
    "eps": 0.04,
    "ntu_xs": [0.908, 0.933, 0.613, 0.833],
    "ntu_xv": [0.852, 0.917, 0.600, 0.817],
}
#: Table III: ST-GCN -> 2s-AGCN transfer on NTU-XV, eps 0.012.
PAPER_TABLE3: dict[str, Any] = {
    "eps": 0.012, "dataset": "NTU-XV",
    "joint": {"clean_accuracy": 0.937, "attacked_accuracy": 0.135, "fooling_rate": 0.861},
    "bone": {"clean_accuracy": 0.932, "attacked_accuracy": 0.068, "fooling_rate": 0.931},
    "ensemble": {"clean_accuracy": 0.951, "attacked_accuracy": 0.118, "fooling_rate": 0.884},
}
#: The ablation has no table in the paper (Figs. 6-7 show the effect on the skeletons).
PAPER_ABLATION: dict[str, Any] = {
    "claim": "Figs. 6-7: without the regularisers the perturbation is visibly less smooth and "
             "bones change length; no numbers are given",
}

#: Defaults of the sweeps.
FIG2_EPS: tuple[float, ...] = (0.0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04)
TABLE1_EPS: tuple[float, ...] = (0.004, 0.006, 0.008, 0.010, 0.012)
TABLE2_EPS = 0.04
TABLE3_EPS = 0.012
ABLATION_EPS = 0.01
#: Samples per class of the subset when none is given.
DEFAULT_PER_CLASS = DEFAULT_EXPERIMENT_PER_CLASS
#: Whether an experiment attacks only samples the (source) model classifies correctly:
#: the attack tables report fooling over those; Table III reports the target models'
#: clean accuracy, so it attacks a balanced subset regardless of correctness.
CORRECT_ONLY: dict[str, bool] = {"fig2": True, "table1": True, "table2": True, "table3": False, "ablation": True}
