"""The paper's experiments on tiny models: table structure, the paper's numbers, and what
must hold whatever the model (eps 0 fools nobody, SSR keeps bone lengths, ...)."""

from __future__ import annotations

import io
import json

import pytest

from attack import experiments as ex
from attack.plots import plot_result
from pipeline.errors import ValidationError

ANY = ex.SampleSpec(per_class=1, seed=0, correct_only=False)


@pytest.fixture(scope="module")
def fig2(tiny_model, synth_set):
    return ex.fgsm_sweep(tiny_model, synth_set, eps=(0.0, 0.02, 0.3), samples=ANY)


@pytest.fixture(scope="module")
def table1(tiny_model, synth_set):
    return ex.basic_sweep(tiny_model, synth_set, samples=ANY, iterations=2)


@pytest.fixture(scope="module")
def ablation(tiny_model, synth_set):
    return ex.ablation(tiny_model, synth_set, samples=ex.SampleSpec(per_class=1, seed=3, correct_only=False),
                       iterations=2)


def test_fgsm_sweep_rows_and_eps_zero(fig2):
    assert [(r.eps, r.targeted) for r in fig2.rows] == [(0.0, False), (0.0, True), (0.02, False), (0.02, True),
                                                        (0.3, False), (0.3, True)]
    zero = fig2.rows[:2]
    assert all(r.fooling_rate_over_all == 0 and r.mean_joint_displacement_mm == 0 for r in zero)
    disp = [r.mean_joint_displacement_mm for r in fig2.rows[::2]]
    assert disp[0] < disp[1] < disp[2]  # FGSM moves every valid coordinate by exactly eps
    assert fig2.rows[4].fooling_rate_over_all >= fig2.rows[0].fooling_rate_over_all
    assert [r.paper_min_fooling_rate for r in fig2.rows] == [None, None, 0.9, 0.9, 0.9, 0.9]
    assert fig2.settings["num_samples"] == 12 and fig2.seconds > 0


def test_basic_sweep_table_and_paper_numbers(table1):
    assert [r.eps_x1e3 for r in table1.rows] == [4, 6, 8, 10, 12]
    assert [r.paper_ntu_xs for r in table1.rows] == [0.894, 0.966, 0.987, 0.992, 0.998]
    assert [r.paper_kinetics for r in table1.rows] == ex.PAPER_TABLE1["kinetics"]
    disp = [r.mean_joint_displacement_mm for r in table1.rows]
    assert all(a <= b + 1e-6 for a, b in zip(disp, disp[1:]))  # a larger bound never moves joints less
    assert all(r.bone_length_error_mean < 1e-4 for r in table1.rows)  # SSR on
    md = table1.to_markdown()
    assert md.startswith("## table1") and "| eps | eps_x1e3 |" in md
    assert "| 89.4 | 78.2 | 82.5 |" in md and "| 99.8 | 99.6 | 99.3 |" in md
    doc = json.loads(table1.to_json())
    assert doc["name"] == "table1" and len(doc["rows"]) == 5 and doc["paper"]["ntu_xv"][0] == 0.782
    assert doc["settings"]["iterations"] == 2 and doc["settings"]["attack"]["gan_frames"] == 8


def test_localized_regions(tiny_model, synth_set):
    res = ex.localized_regions(tiny_model, synth_set, samples=ANY, iterations=1)
    assert [(r.region, r.name, r.joints) for r in res.rows] == [
        (1, "left_arm", 6), (2, "right_arm", 6), (3, "legs", 8), (4, "trunk_head", 5)]
    assert [r.paper_ntu_xv for r in res.rows] == [0.852, 0.917, 0.600, 0.817]
    assert all(r.mean_joint_displacement_mm_region > 0 for r in res.rows)
    legs = ex.localized_regions(tiny_model, synth_set, regions=["legs"], samples=ANY, iterations=1)
    assert [(r.region, r.paper_ntu_xs) for r in legs.rows] == [(3, 0.613)]


def test_ablation_variants(ablation):
    rows = {r.variant: r for r in ablation.rows}
    assert list(rows) == ["full", "no smoothness", "no SSR", "no GAN"]
    assert (rows["no GAN"].gan, rows["no SSR"].realignment, rows["no smoothness"].smoothness) == (False, False, False)
    # only the variant without realignment changes bone lengths; it also never exceeds the clip bound
    assert rows["full"].bone_length_error_mean < 1e-4 < rows["no SSR"].bone_length_error_mean
    assert rows["no SSR"].clip_excess_max < 1e-6
    assert "| full | yes | yes | yes |" in ablation.to_markdown()


def test_plots(fig2, table1, ablation):
    for res in (fig2, table1, ablation):
        fig = plot_result(res)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        assert buf.getvalue()[:4] == b"\x89PNG" and fig.axes
    bad = ex.ExperimentResult(name="nope", title="", rows=[1], paper={}, settings={}, seconds=0.0)
    with pytest.raises(ValidationError, match="no plot"):
        plot_result(bad)


def test_bad_eps_before_compute(tiny_model, synth_set):
    with pytest.raises(ValidationError, match="eps"):
        ex.fgsm_sweep(tiny_model, synth_set, eps=(), samples=ANY)
    with pytest.raises(ValidationError, match="eps"):
        ex.basic_sweep(tiny_model, synth_set, eps=(-0.01,), samples=ANY)
