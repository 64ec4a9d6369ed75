"""The report's transfer table: ``transfer.json`` read and checked, turned into content and
drawn; a missing or malformed file becomes a reason, never an error."""

from __future__ import annotations

import json

import numpy as np

from flows.report.transfer import NOT_REQUESTED, read_transfer, transfer_html, transfer_section
from pipeline.crossmodal_report import pair_metrics
from pipeline.crossmodal_transfer import CrossModalTransfer, PairedDrop, TransferRow, write_transfer


def _table() -> CrossModalTransfer:
    labels = np.array([0, 1, 2, 3])
    clean, adv = np.array([0, 1, 2, 3]), np.array([1, 1, 0, 3])
    m = pair_metrics(labels, clean, adv, np.array([1, 2, 0, -1]))
    drop = PairedDrop(value=0.5, low=0.1, high=0.8, num_samples=4)
    rows = [TransferRow(model="stgcn <a>", arch="stgcn", attacked=True, num_samples=4, num_recovered=4, source=m,
                        recovered=m, source_drop=drop, recovered_drop=drop, targets=True),
            TransferRow(model="agcn", arch="agcn", attacked=False, num_samples=4, num_recovered=4, source=m,
                        recovered=m, source_drop=drop, recovered_drop=None, targets=False)]
    return CrossModalTransfer(attacked_model="stgcn <a>", rows=rows)


def test_written_table_reads_back_into_the_page(tmp_path):
    json_path, _ = write_transfer(_table(), tmp_path)
    doc, reason = read_transfer(json_path)
    assert reason is None
    section = transfer_section(doc, reason)
    assert section["available"] and [r["model"] for r in section["rows"]] == ["stgcn <a>", "agcn"]
    first, second = section["rows"]
    assert first["recovered_adversarial_accuracy"] == {"value": 0.5, "count": 2, "total": 4}
    assert first["recovered_target"]["count"] == 2 and second["recovered_target"] is None
    assert second["recovered_drop"] is None and first["source_drop"]["low"] == 0.1
    page = transfer_html(section)
    assert 'id="transfer-table"' in page and "stgcn &lt;a&gt; (stgcn)" in page and "50.0 pp [10.0, 80.0]" in page


def test_missing_or_malformed_file_is_a_reason(tmp_path):
    doc, reason = read_transfer(None)
    assert doc is None and reason == NOT_REQUESTED
    assert "not available" in transfer_html(transfer_section(doc, reason))
    bad = tmp_path / "transfer.json"
    bad.write_text(json.dumps({"format": "ciasa.crossmodal"}))
    assert "not a ciasa.crossmodal_transfer document" in read_transfer(bad)[1]
    good = _table().to_dict()
    good["rows"][1]["recovered"]["clean_accuracy"] = {"value": 1.0}
    bad.write_text(json.dumps(good))
    assert read_transfer(bad)[1].endswith("field rows[1].recovered: not a set of rates (count, total)")
    good = _table().to_dict()
    good["rows"][0]["source_drop"] = {"value": 0.5}
    bad.write_text(json.dumps(good))
    assert "rows[0].source_drop" in read_transfer(bad)[1]
