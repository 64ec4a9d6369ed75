"""The top layer: the ``ciasa`` CLI (:mod:`flows.cli`) and the Prefect flows of the
cross-modal experiment. Importing this package imports nothing heavy.

Modules: :mod:`flows.config` (the run's settings: one model per stage plus
:class:`~flows.config.CrossModalConfig`), :mod:`flows.stages` (each stage as a plain
function over files), :mod:`flows.tasks` (one Prefect task per stage function),
:mod:`flows.cross_modal` (the stage flows and ``cross_modal``), :mod:`flows.rundir` (keys,
completion markers, the run manifest), :mod:`flows.runners` (task runners, the API check),
:mod:`flows.artifacts` (what the UI shows), :mod:`flows.report` (the HTML report).

Run folder (``ciasa run --run-dir DIR``, default ``runs/cross-modal``)::

    DIR/
      run.json                          the run manifest: status, the whole configuration,
                                        package versions, every stage key, per-sequence
                                        status (ok / failed + reason / skipped per step),
                                        per-stage timings (wall seconds of this sitting),
                                        compute seconds (behind every output used, cached
                                        or not) and cache states, report path, verdict
      select/<key>/clean.npz (+ .json)  the drawn clean sequences
      attack/<key>/adversarial.npz (+ .json), attack.json
      render/<key>/<sample name>/       one render bundle per sequence (video.mp4,
                                        manifest.json, ground_truth.npz, render.log)
      extract/<key>/sample.npz (+ .json), sample_report.json
                                        one bundle's extraction (no sample.npz: it failed)
      recovered/<key>/<role>.npz (+ .json), <role>_report.json
                                        the recovered set of a role (clean, adversarial)
      evaluate/<key>/crossmodal.json, crossmodal.md
      report/<key>/report.html, report.json, figures/*.png, summary.json, summary.md
      .prefect-results/                 Prefect's persisted task results (JSON; the cache)

``<key>`` is the first 20 hex digits of the stage key: SHA-256 over the stage name, the
content hashes of its inputs (skeleton sets, one sequence's frames, a render request, the
recogniser's checkpoint bytes, the source data or generator settings) and every setting
that changes the output (:func:`flows.rundir.stage_key`). Settings that do not change
results are left out: Blender threads and timeout, the torch device, retries. Every folder
except the render bundles holds a ``_COMPLETE`` marker written last (files and sizes, and
the seconds of computation that made the folder, ``compute_seconds``); a render bundle is
complete by its own manifest (built in a temporary folder, then renamed; its
``timings.total_s`` are the render's seconds). A folder without that is never taken for a
result, and the next run recomputes it.
"""
