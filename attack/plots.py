"""Figures of the experiments (:mod:`attack.experiments`), one per result.

Built on :class:`matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global
backend); matplotlib is imported inside the functions. Rates are drawn in percent; the
paper's numbers are drawn dashed or hatched beside the measured ones. The caller saves
the figure (``fig.savefig(path)``): this module writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from attack.experiment_result import ExperimentResult


def _figure(width: float = 6.4, height: float = 4.2) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _pct(v: float | None) -> float:
    return float("nan") if v is None else 100.0 * v


def plot_fig2(result: ExperimentResult) -> Figure:
    """Fooling rate (%) against eps, untargeted and targeted; the paper's 90 % bound dashed."""
    fig = _figure()
    ax = fig.add_subplot()
    for targeted, label, style in ((False, "untargeted (label changed)", "o-"),
                                   (True, "targeted (least likely reached)", "s-")):
        rows = [r for r in result.rows if r.targeted == targeted]
        ax.plot([r.eps for r in rows], [_pct(r.fooling_rate_over_correct) for r in rows], style, label=label)
    bound = result.paper.get("min_fooling_rate")
    start = result.paper.get("from_eps")
    eps_max = max(r.eps for r in result.rows)
    if bound is not None and start is not None and eps_max >= start:
        ax.hlines(100 * bound, start, eps_max, colors="grey", linestyles="--", label="paper: > 90 % from eps 0.02")
    ax.set_xlabel("eps (data units; metres for NTU)")
    ax.set_ylabel("fooling rate (%)")
    ax.set_ylim(-2, 102)
    ax.set_title(f"FGSM on {result.settings.get('model')} ({result.settings.get('num_samples')} samples)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def plot_table1(result: ExperimentResult) -> Figure:
    """Targeted fooling rate (%) against eps x 1e-3, measured and the paper's three protocols."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot([r.eps_x1e3 for r in result.rows], [_pct(r.targeted_fooling_rate_over_correct) for r in result.rows],
            "o-", lw=2, label=f"measured ({result.settings.get('model')})")
    p = result.paper
    for key, label in (("ntu_xs", "paper NTU-XS"), ("ntu_xv", "paper NTU-XV"), ("kinetics", "paper Kinetics")):
        ax.plot(p["eps_x1e3"], [100 * v for v in p[key]], "--", marker=".", alpha=0.7, label=label)
    ax.set_xlabel("eps (x 1e-3)")
    ax.set_ylabel("targeted fooling rate (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("CIASA basic mode, least-likely targets")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def _bars(ax: Any, labels: list[str], series: list[tuple[str, list[float], dict[str, Any]]]) -> None:
    import numpy as np

    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values, style) in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name, **style)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize="small")


def plot_table2(result: ExperimentResult) -> Figure:
    """Targeted fooling rate (%) per region: measured beside the paper's NTU-XS / NTU-XV."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = [f"{r.region}: {r.name}" for r in result.rows]
    _bars(ax, labels, [
        ("measured", [_pct(r.targeted_fooling_rate_over_correct) for r in result.rows], {}),
        ("paper NTU-XS", [_pct(r.paper_ntu_xs) for r in result.rows], {"hatch": "//", "alpha": 0.5}),
        ("paper NTU-XV", [_pct(r.paper_ntu_xv) for r in result.rows], {"hatch": "..", "alpha": 0.5}),
    ])
    ax.set_ylabel("targeted fooling rate (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"CIASA localized, eps {result.settings.get('eps')}")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_table3(result: ExperimentResult) -> Figure:
    """Per model: clean accuracy, attacked accuracy, fooling rate (%), measured and paper."""
    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    labels = [r.model + (" (white box)" if r.white_box else "") for r in result.rows]
    rows = result.rows
    _bars(ax, labels, [
        ("clean acc.", [_pct(r.clean_accuracy) for r in rows], {"color": "tab:green"}),
        ("attacked acc.", [_pct(r.attacked_accuracy) for r in rows], {"color": "tab:orange"}),
        ("fooling", [_pct(r.fooling_rate_over_correct) for r in rows], {"color": "tab:red"}),
        ("paper clean", [_pct(r.paper_clean_accuracy) for r in rows], {"color": "tab:green", "alpha": 0.35,
                                                                        "hatch": "//"}),
        ("paper attacked", [_pct(r.paper_attacked_accuracy) for r in rows], {"color": "tab:orange", "alpha": 0.35,
                                                                              "hatch": "//"}),
        ("paper fooling", [_pct(r.paper_fooling_rate) for r in rows], {"color": "tab:red", "alpha": 0.35,
                                                                        "hatch": "//"}),
    ])
    ax.set_ylabel("%")
    ax.set_ylim(0, 125)  # room for the legend above the bars
    ax.set_title(f"transfer, CIASA eps {result.settings.get('eps')}")
    ax.legend(fontsize="x-small", ncol=2)
    fig.tight_layout()
    return fig


def plot_ablation(result: ExperimentResult) -> Figure:
    """Three panels per variant: targeted fooling rate (%), bone-length error (%),
    acceleration difference (data units / s^2)."""
    fig = _figure(9.0, 3.4)
    names = [r.variant for r in result.rows]
    panels = (("targeted fooling rate (%)", [_pct(r.targeted_fooling_rate_over_correct) for r in result.rows]),
              ("bone-length error (%)", [_pct(r.bone_length_error_mean) for r in result.rows]),
              ("acceleration difference (/s²)", [float("nan") if r.acceleration_difference is None
                                                 else r.acceleration_difference for r in result.rows]))
    for i, (title, values) in enumerate(panels):
        ax = fig.add_subplot(1, 3, i + 1)
        ax.bar(range(len(names)), values, color=["tab:blue", "tab:orange", "tab:green", "tab:red"][:len(names)])
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize="small")
        ax.set_title(title, fontsize="small")
    fig.suptitle(f"ablation, eps {result.settings.get('eps')}, {result.settings.get('model')}", fontsize="small")
    fig.tight_layout()
    return fig


PLOTS = {"fig2": plot_fig2, "table1": plot_table1, "table2": plot_table2, "table3": plot_table3,
         "ablation": plot_ablation}


def plot_result(result: ExperimentResult) -> Figure:
    """The figure of any experiment result (by its ``name``).

    Raises:
        ValidationError: an unknown experiment name, or a result without rows.
    """
    if result.name not in PLOTS:
        raise ValidationError(f"no plot for experiment {result.name!r}; known: {', '.join(PLOTS)}",
                              field="experiment")
    if not result.rows:
        raise ValidationError(f"experiment {result.name} has no rows to plot", field="rows")
    return PLOTS[result.name](result)
