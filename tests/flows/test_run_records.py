"""What a run records about itself: each sequence's steps per role, and where each stage's
outputs came from."""

from __future__ import annotations

from flows.run_records import sample_statuses, stage_states
from flows.stage_outputs import ExtractOutput, SampleRef, SequenceOutput, SetOutput


def _set(stage: str, names: list[str], info: dict | None = None) -> SetOutput:
    refs = [SampleRef(name=n, index=i, label=i, num_frames=10, content_hash=n * 4) for i, n in enumerate(names)]
    return SetOutput(key=stage, stage=stage, folder=f"/{stage}", path=f"/{stage}/x.npz", content_hash="h",
                     samples=refs, info=info or {})


def test_each_sequence_gets_its_steps_for_every_role_asked():
    clean = _set("select", ["a", "b"])
    adversarial = _set("attack", ["a", "b"], {"success": [True, False]})
    renders = [SequenceOutput(key="r1", role="clean", name="a", bundle="/r1"),
               SequenceOutput(key="r2", role="adversarial", name="a", bundle="/r2"),
               SequenceOutput(key="r3", role="control", name="a", status="failed", reason="Blender died"),
               SequenceOutput(key="r4", role="clean", name="b", bundle="/r4")]
    extractions = [ExtractOutput(key="e1", role="clean", name="a", folder="/e1"),
                   ExtractOutput(key="e2", role="adversarial", name="a", folder="/e2", status="failed",
                                 reason="nobody in the video")]
    got = sample_statuses(clean, adversarial, renders, extractions, {"a"}, ("clean", "adversarial", "control"))
    a, b = got
    assert a.attack_success is True and b.attack_success is False
    assert a.steps == {"render_clean": "ok", "extract_clean": "ok", "render_adversarial": "ok",
                       "extract_adversarial": "failed", "render_control": "failed", "extract_control": "skipped",
                       "evaluate": "ok"}
    assert a.reasons == {"extract_adversarial": "nobody in the video", "render_control": "Blender died"}
    assert a.failed and b.failed is False
    assert b.steps["render_adversarial"] == "skipped" and b.steps["evaluate"] == "skipped"
    # the default roles are the run's two sets
    assert set(sample_statuses(clean, adversarial, renders, extractions, set())[0].steps) == {
        "render_clean", "extract_clean", "render_adversarial", "extract_adversarial", "evaluate"}


def test_stage_states_count_cached_reused_computed_and_failed():
    computed = SequenceOutput(key="1", role="clean", name="a")
    cached = SequenceOutput(key="2", role="clean", name="b", cached=True)
    reused = SequenceOutput(key="3", role="clean", name="c", reused=True)
    failed = SequenceOutput(key="4", role="clean", name="d", status="failed")
    one = _set("select", ["a"])
    assert stage_states({"render": [computed, cached, reused, failed], "select": one}) == {
        "render": {"cached": 1, "reused": 1, "computed": 1, "failed": 1},
        "select": {"cached": 0, "reused": 0, "computed": 1, "failed": 0}}


def test_compute_seconds_count_every_output_the_run_used_wherever_it_came_from(tmp_path):
    import json

    from flows.rundir import mark_complete
    from flows.run_records import compute_seconds

    def folder(name: str, **info) -> str:
        d = tmp_path / name
        d.mkdir()
        (d / "x.txt").write_text("x")
        mark_complete(d, name, ["x.txt"], **info)
        return str(d)

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "manifest.json").write_text(json.dumps({"timings": {"total_s": 40.5}}))
    computed = _set("select", ["a"]).model_copy(update={"folder": folder("sel", compute_seconds=3.25)})
    # found complete on disk in a later sitting: its seconds come from its marker, not 0
    reused = ExtractOutput(key="e1", role="clean", name="a", folder=folder("e1", compute_seconds=7.0), reused=True)
    cached = ExtractOutput(key="e2", role="adversarial", name="a", folder=folder("e2", compute_seconds=8.0),
                           cached=True)
    old = ExtractOutput(key="e3", role="clean", name="b", folder=folder("e3"))  # a marker without the field
    got = compute_seconds({
        "select": computed, "extract": [reused, cached, old],
        "render": [SequenceOutput(key="r1", role="clean", name="a", bundle=str(bundle)),
                   SequenceOutput(key="r2", role="clean", name="b", status="failed", reason="Blender died")]})
    assert got == {"select": {"seconds": 3.25, "unrecorded": 0}, "extract": {"seconds": 15.0, "unrecorded": 1},
                   "render": {"seconds": 40.5, "unrecorded": 1}}


def test_a_merge_sums_compute_seconds_only_where_every_run_recorded_them():
    from flows.run_merge import _compute_of, summed_compute

    runs = [{"compute_seconds": _compute_of({"compute_seconds": {"attack": {"seconds": 10.0, "unrecorded": 0},
                                                                 "render": {"seconds": 5.0, "unrecorded": 1}}})},
            {"compute_seconds": _compute_of({"compute_seconds": {"attack": {"seconds": 2.5, "unrecorded": 0},
                                                                 "render": {"seconds": 4.0, "unrecorded": 0}}})},
            {"compute_seconds": _compute_of({})}]  # a run made before runs recorded them
    assert runs[0]["compute_seconds"] == {"attack": 10.0, "render": None} and runs[2]["compute_seconds"] == {}
    assert summed_compute(runs[:2]) == {"attack": 12.5, "render": None}
    assert summed_compute(runs) == {"attack": None, "render": None}
