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
