"""Recogniser graphs: ST-GCN partitions and the 2s-AGCN adjacency, entries derived by hand.

ST-GCN 'ntu-rgb+d' (0-based here): centre = spine_shoulder (20), whose neighbours are
spine_mid (1), neck (2), shoulder_left (4) and shoulder_right (8). With self-links and
column normalisation, every entry of column ``i`` is ``1 / (deg(i) + 1)``. With the
official ``max_hop = 1`` only these five joints have a finite hop distance to the centre.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from pipeline.layouts import NTU25, OPENPOSE18
from pipeline.models.graph import agcn_adjacency, hop_distance, normalize_columns, stgcn_adjacency

SPINE_BASE, SPINE_MID, NECK, SH_L, SH_R = 0, 1, 2, 4, 8
HIP_L, HIP_R, WRIST_L, HAND_L, SPINE_SH = 12, 16, 6, 7, 20
THUMB_L = 22


def _bfs_hops(num_nodes: int, edges) -> np.ndarray:
    """Exact shortest-path hop counts (inf when unreachable), by breadth-first search."""
    nbrs = {i: set() for i in range(num_nodes)}
    for a, b in edges:
        nbrs[a].add(b)
        nbrs[b].add(a)
    out = np.full((num_nodes, num_nodes), np.inf)
    for s in range(num_nodes):
        out[s, s] = 0
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for w in nbrs[u]:
                if np.isinf(out[s, w]):
                    out[s, w] = out[s, u] + 1
                    queue.append(w)
    return out


def _degree(edges, joint: int) -> int:
    return sum(joint in e for e in edges)


@pytest.mark.parametrize("max_hop", [1, 2, 3])
def test_hop_distance_matches_bfs_truncated(max_hop):
    exact = _bfs_hops(25, NTU25.graph_edges)
    expected = np.where(exact <= max_hop, exact, np.inf)
    np.testing.assert_array_equal(hop_distance(25, NTU25.graph_edges, max_hop), expected)


def test_spatial_ntu_shape_and_column_sums():
    a = stgcn_adjacency("ntu-rgb+d", "spatial")
    assert a.shape == (3, 25, 25) and a.dtype == np.float32
    # every column of the summed partition is a distribution over the neighbourhood
    np.testing.assert_allclose(a.sum(axis=0).sum(axis=0), np.ones(25), atol=1e-6)
    # each slice's columns sum to 0 (empty) or to a share of 1
    per_slice = a.sum(axis=1)
    assert (per_slice >= 0).all() and (per_slice <= 1 + 1e-6).all()
    # slice 0 holds exactly the self-links, weighted 1 / (degree + 1)
    deg = np.array([_degree(NTU25.graph_edges, v) for v in range(25)])
    np.testing.assert_allclose(a[0], np.diag(1.0 / (deg + 1)), atol=1e-7)


def test_spatial_ntu_centre_column():
    a = stgcn_adjacency(NTU25, "spatial")
    assert _degree(NTU25.graph_edges, SPINE_SH) == 4
    assert a[0, SPINE_SH, SPINE_SH] == pytest.approx(1 / 5)
    # the centre's neighbours are farther from the centre than the centre itself: slice 1
    for j in (SPINE_MID, NECK, SH_L, SH_R):
        assert a[1, j, SPINE_SH] == pytest.approx(1 / 5)
        assert a[2, j, SPINE_SH] == 0
    assert a[2, :, SPINE_SH].sum() == 0


def test_spatial_ntu_one_hop_joint():
    # spine_mid (1 hop from the centre): neighbours spine_base (beyond max_hop: inf) and the centre
    a = stgcn_adjacency(NTU25, "spatial")
    assert a[0, SPINE_MID, SPINE_MID] == pytest.approx(1 / 3)
    assert a[1, SPINE_BASE, SPINE_MID] == pytest.approx(1 / 3)  # inf > 1: the "close" branch
    assert a[2, SPINE_SH, SPINE_MID] == pytest.approx(1 / 3)  # 0 < 1: centripetal, last slice
    assert a[2, SPINE_BASE, SPINE_MID] == 0 and a[1, SPINE_SH, SPINE_MID] == 0


def test_spatial_ntu_max_hop_quirk():
    """Two joints both more than max_hop = 1 hops from the centre have distance inf == inf:
    their link is treated as 'same distance' and lands in slice 1 (root + close of hop 1),
    not in slice 0 (which holds only the hop-0 self-links) and not in slice 2."""
    a = stgcn_adjacency(NTU25, "spatial")
    # spine_base: neighbours spine_mid (1 hop from the centre), hip_left, hip_right (inf)
    assert a[0, SPINE_BASE, SPINE_BASE] == pytest.approx(1 / 4)
    assert a[2, SPINE_MID, SPINE_BASE] == pytest.approx(1 / 4)  # 1 < inf
    for hip in (HIP_L, HIP_R):
        assert a[1, hip, SPINE_BASE] == pytest.approx(1 / 4)
        assert a[0, hip, SPINE_BASE] == 0 and a[2, hip, SPINE_BASE] == 0
        # and symmetrically the hip's column
        assert a[1, SPINE_BASE, hip] == pytest.approx(1 / 3)
    # hand_left: wrist_left and thumb_left, all far from the centre -> slice 1 both ways
    assert a[1, WRIST_L, HAND_L] == pytest.approx(1 / 3)
    assert a[1, THUMB_L, HAND_L] == pytest.approx(1 / 3)
    assert a[2, :, HAND_L].sum() == 0
    # slice 2 (row joint nearer the centre than the column joint) is non-empty only in
    # the columns of the four 1-hop joints (link to the centre) and of their far
    # neighbours spine_base, head, elbow_left, elbow_right (link to a 1-hop joint)
    cols = set(np.flatnonzero(a[2].sum(axis=0)).tolist())
    assert cols == {SPINE_MID, NECK, SH_L, SH_R} | {SPINE_BASE, 3, 5, 9}


def test_uniform_and_distance_partitions():
    spatial = stgcn_adjacency(NTU25, "spatial")
    uni = stgcn_adjacency(NTU25, "uniform")
    dist = stgcn_adjacency(NTU25, "distance")
    assert uni.shape == (1, 25, 25) and dist.shape == (2, 25, 25)
    np.testing.assert_allclose(uni[0], spatial.sum(axis=0), atol=1e-7)
    np.testing.assert_allclose(dist.sum(axis=0), uni[0], atol=1e-7)
    np.testing.assert_allclose(dist[0], spatial[0], atol=1e-7)  # hop 0 = self-links
    assert np.count_nonzero(dist[1]) == 2 * len(NTU25.graph_edges)
    np.testing.assert_allclose(dist[1], spatial[1] + spatial[2], atol=1e-7)
    assert stgcn_adjacency(NTU25, "distance", max_hop=2).shape == (3, 25, 25)
    assert stgcn_adjacency(NTU25, "spatial", max_hop=2).shape == (5, 25, 25)


def test_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(ValueError, match="uniform, distance, spatial"):
        stgcn_adjacency(NTU25, "radial")


def test_spatial_openpose():
    a = stgcn_adjacency("openpose", "spatial")
    assert a.shape == (3, 18, 18)
    np.testing.assert_allclose(a.sum(axis=(0, 1)), np.ones(18), atol=1e-6)
    neck, nose, sh_r, sh_l, el_r, wr_r = 1, 0, 2, 5, 3, 4
    assert OPENPOSE18.graph_center == neck
    assert a[0, neck, neck] == pytest.approx(1 / 4)  # nose, both shoulders + self
    for j in (nose, sh_r, sh_l):
        assert a[1, j, neck] == pytest.approx(1 / 4)
    # right shoulder (1 hop; neighbours elbow, right hip, neck): elbow and hip are 2 hops
    # from the neck (inf with max_hop 1) -> slice 1; neck (0) -> slice 2
    hip_r = 8
    assert a[1, el_r, sh_r] == pytest.approx(1 / 4) and a[1, hip_r, sh_r] == pytest.approx(1 / 4)
    assert a[2, neck, sh_r] == pytest.approx(1 / 4)
    # right wrist (a leaf far from the neck): its only link goes to slice 1
    assert a[1, el_r, wr_r] == pytest.approx(1 / 2) and a[0, wr_r, wr_r] == pytest.approx(1 / 2)


def test_normalize_columns_keeps_empty_columns_zero():
    m = np.array([[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(normalize_columns(m), [[0.25, 0.0], [0.75, 0.0]])


def test_agcn_adjacency_ntu():
    a = agcn_adjacency("ntu-rgb+d")
    assert a.shape == (3, 25, 25) and a.dtype == np.float32
    np.testing.assert_array_equal(a[0], np.eye(25))
    inward, outward = a[1], a[2]
    # inward: edge (child, parent) -> A[parent, child]; every non-centre joint has one parent
    assert inward[SPINE_MID, SPINE_BASE] == 1 and inward[SPINE_BASE, SPINE_MID] == 0
    assert inward[SPINE_SH, SPINE_MID] == 1 and inward[SPINE_SH, SH_L] == 1
    assert inward[:, SPINE_SH].sum() == 0  # the centre points nowhere: empty column
    col = inward.sum(axis=0)
    np.testing.assert_allclose(col[col > 0], 1.0)
    assert np.count_nonzero(col) == 24
    # outward: A[child, parent], normalised by the number of children
    for child in (SPINE_MID, NECK, SH_L, SH_R):
        assert outward[child, SPINE_SH] == pytest.approx(1 / 4)
    for hip in (HIP_L, HIP_R):
        assert outward[hip, SPINE_BASE] == pytest.approx(1 / 2)
    assert outward[HAND_L, WRIST_L] == 1  # (8, 7) 1-based: one child
    col = outward.sum(axis=0)
    np.testing.assert_allclose(col[col > 0], 1.0, atol=1e-6)
    # structurally the two directions are transposes of each other
    np.testing.assert_array_equal(inward > 0, (outward > 0).T)


def test_agcn_adjacency_openpose():
    a = agcn_adjacency(OPENPOSE18)
    assert a.shape == (3, 18, 18)
    assert a[1, 1, 0] == 1  # (0, 1): nose -> neck
    assert a[2, 0, 1] == pytest.approx(1 / 3)  # neck has 3 children: nose and both shoulders
