"""Pooling cross-modal evaluations of disjoint samples: the pooled report is the one a
single evaluation of all the samples gives; disagreeing or overlapping documents are named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.crossmodal import evaluate_crossmodal
from pipeline.crossmodal_pool import pool_crossmodal
from pipeline.errors import ValidationError

from tests.pipeline.stand_ins import Marker

#: Fields of the report that describe where its inputs came from, not what was counted.
PROVENANCE = ("inputs", "seconds", "device")


def _part(sset, names):
    keep = [i for i, s in enumerate(np.asarray(sset.name).tolist()) if s in names]
    return sset.subset(np.array(keep, dtype=np.int64))


def _shard_docs(four, cuts):
    """crossmodal.json documents (through JSON) of the samples cut into blocks at ``cuts``."""
    names = np.asarray(four[0].name).tolist()
    blocks = [names[a:b] for a, b in zip([0, *cuts], [*cuts, len(names)])]
    model = Marker(list(four[0].class_names))
    return [json.loads(evaluate_crossmodal(model, *(_part(s, set(b)) for s in four)).to_json()) for b in blocks]


def test_pooled_shards_count_as_one_evaluation_of_all_samples(four):
    whole = json.loads(evaluate_crossmodal(Marker(list(four[0].class_names)), *four).to_json())
    docs = _shard_docs(four, [5, 9])
    pooled = pool_crossmodal(docs, names=["a/crossmodal.json", "b/crossmodal.json", "c/crossmodal.json"]).to_dict()
    assert whole["num_recovered"] == 11 and len(pooled["missing_clean_recovered"]) + len(
        pooled["missing_adversarial_recovered"]) >= 1  # the stand-in set has a missing recovery
    for key in whole:
        if key not in PROVENANCE:
            assert pooled[key] == whole[key], key
    assert pooled["inputs"]["clean"]["num_samples"] == 12
    assert pooled["inputs"]["clean"]["path"].count(" + ") == 2
    again = pool_crossmodal(docs).to_dict()["inputs"]["clean"]["content_hash"]
    assert again == pooled["inputs"]["clean"]["content_hash"]
    assert pool_crossmodal(docs[::-1]).to_dict()["inputs"]["clean"]["content_hash"] != again


def test_one_document_pools_to_itself(four):
    doc = _shard_docs(four, [])[0]
    pooled = pool_crossmodal([doc]).to_dict()
    assert {k: v for k, v in pooled.items() if k not in PROVENANCE} == \
        {k: v for k, v in doc.items() if k not in PROVENANCE}


def test_overlapping_or_disagreeing_documents_are_named(four):
    first, second = _shard_docs(four, [6])
    with pytest.raises(ValidationError) as info:
        pool_crossmodal([first, second, first], names=["a", "b", "c"])
    assert info.value.path == "c" and info.value.field == "samples.name" and "also in a" in str(info.value)
    other = dict(second, model="agcn")
    with pytest.raises(ValidationError) as info:
        pool_crossmodal([first, other], names=["a", "b"])
    assert (info.value.path, info.value.field) == ("b", "model")
    broken = dict(second, samples={k: v for k, v in second["samples"].items() if k != "clean_recovered_pred"})
    with pytest.raises(ValidationError) as info:
        pool_crossmodal([first, broken], names=["a", "b"])
    assert (info.value.path, info.value.field) == ("b", "samples.clean_recovered_pred")
    slower = json.loads(json.dumps(second))
    slower["inputs"]["clean_recovered"]["fps"] = 15.0
    with pytest.raises(ValidationError) as info:
        pool_crossmodal([first, slower], names=["a", "b"])
    assert (info.value.path, info.value.field) == ("b", "inputs.clean_recovered.fps")
    with pytest.raises(ValidationError, match="nothing to pool"):
        pool_crossmodal([])
