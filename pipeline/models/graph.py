"""Recogniser graphs: the adjacency stacks of ST-GCN, 2s-AGCN and MS-G3D, as pure numpy.

The official codes build their adjacency from the same edge list (the layout's
``graph_edges``, ST-GCN's ``neighbor_link``), but differently:

* ST-GCN (``stgcn_adjacency``): hop distances up to ``max_hop`` (self-links at hop 0),
  the hop-limited adjacency normalised column-wise (``A @ D^-1`` with ``D`` the column
  sums), then split by strategy: ``uniform`` (K = 1), ``distance`` (K = max_hop + 1, one
  slice per hop), ``spatial`` (K = 1 + 2 * max_hop: slice 0 the self-links; then per hop
  ``h >= 1`` one slice with the links ``A[j, i]`` whose row joint ``j`` is as far from the
  centre as column joint ``i`` or farther, and one with those whose row joint is nearer).

  The spatial split compares hop distances to the centre *computed with the same
  ``max_hop``*: with the official ``max_hop = 1`` every joint more than one hop from the
  centre has distance infinity, so for such a pair both distances are equal (inf == inf)
  and the link is put in the hop-1 "root" part, which is summed with the "close" part
  into slice 1 (slice 0 holds only the hop-0 self-links). This is what the
  official code computes and what every official checkpoint was trained with, so it is
  reproduced exactly (a "corrected" graph would not match the released weights).

* 2s-AGCN (``agcn_adjacency``): K = 3 slices (identity; inward links child -> parent
  normalised column-wise; outward links normalised column-wise), edges taken as
  ``(child, parent)`` pairs in the order of the edge list.

* MS-G3D (``binary_adjacency``, ``multiscale_adjacency``, ``window_adjacency``): the
  symmetric 0/1 adjacency without self-links; per scale ``k`` the "disentangled" graph
  linking joints exactly ``k`` hops apart, plus self-links, normalised symmetrically
  (``D^-1/2 A D^-1/2``, ``D`` the row sums); the scales stacked on the rows, ``(S*V, V)``.
  G3D pathways use the same scales on a window graph of ``W`` frames, ``(A + I)`` tiled
  ``W x W`` (every joint linked to itself and its neighbours in every frame of the window).

Edge convention: ``edges`` holds 0-based ``(i, j)`` pairs; ``A[j, i]`` and ``A[i, j]`` are
both set for the undirected ST-GCN graph. All results are float32 arrays ``(K, V, V)``
whose column ``i`` row ``j`` entry weights the message from joint ``j`` to joint ``i``
after the einsum ``x[n, k, c, t, v] * A[k, v, w] -> y[n, c, t, w]``.
"""

from __future__ import annotations

import numpy as np

from pipeline.layouts import Layout, get_layout

STRATEGIES = ("uniform", "distance", "spatial")


def hop_distance(num_nodes: int, edges: list[tuple[int, int]] | tuple[tuple[int, int], ...],
                 max_hop: int = 1) -> np.ndarray:
    """Hop distance between joints, ``inf`` beyond ``max_hop``.

    Returns:
        ``(V, V)`` float array; 0 on the diagonal, ``d`` where the shortest path has ``d <=
        max_hop`` links, ``inf`` otherwise.
    """
    adj = np.zeros((num_nodes, num_nodes))
    for i, j in edges:
        adj[i, j] = 1
        adj[j, i] = 1
    dist = np.full((num_nodes, num_nodes), np.inf)
    reach = [np.linalg.matrix_power(adj, d) > 0 for d in range(max_hop + 1)]
    for d in range(max_hop, -1, -1):  # smaller hops overwrite larger ones
        dist[reach[d]] = d
    return dist


def normalize_columns(adj: np.ndarray) -> np.ndarray:
    """``adj @ D^-1`` with ``D`` the diagonal of column sums (zero columns stay zero)."""
    col = adj.sum(axis=0)
    inv = np.where(col > 0, 1.0 / np.where(col > 0, col, 1.0), 0.0)
    return adj * inv[None, :]


def stgcn_adjacency(layout: Layout | str, strategy: str = "spatial", max_hop: int = 1,
                    dilation: int = 1) -> np.ndarray:
    """The official ST-GCN adjacency stack ``(K, V, V)`` float32 for ``layout``.

    Args:
        layout: a :class:`Layout` or a graph/layout name.
        strategy: ``"uniform"``, ``"distance"`` or ``"spatial"``.
        max_hop: neighbourhood radius (official: 1).
        dilation: hop step (official: 1).
    """
    lay = get_layout(layout) if isinstance(layout, str) else layout
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown ST-GCN partition strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    v = lay.num_joints
    dist = hop_distance(v, lay.graph_edges, max_hop)
    hops = list(range(0, max_hop + 1, dilation))
    adj = np.zeros((v, v))
    for h in hops:
        adj[dist == h] = 1
    norm = normalize_columns(adj)

    if strategy == "uniform":
        return norm[None].astype(np.float32)
    if strategy == "distance":
        out = np.zeros((len(hops), v, v))
        for k, h in enumerate(hops):
            out[k][dist == h] = norm[dist == h]
        return out.astype(np.float32)

    centre = dist[:, lay.graph_center]  # (V,) hop distance of every joint to the centre
    slices = []
    for h in hops:
        link = dist == h  # link[j, i]: j is h hops from i
        d_j = centre[:, None]  # distance of the row joint j
        d_i = centre[None, :]  # distance of the column joint i
        same = link & (d_j == d_i)
        closer = link & (d_j > d_i)
        farther = link & ~(d_j == d_i) & ~(d_j > d_i)
        root = np.where(same, norm, 0.0)
        if h == 0:
            slices.append(root)
        else:
            slices.append(root + np.where(closer, norm, 0.0))
            slices.append(np.where(farther, norm, 0.0))
    return np.stack(slices).astype(np.float32)


def _edge_matrix(links: list[tuple[int, int]], num_nodes: int) -> np.ndarray:
    mat = np.zeros((num_nodes, num_nodes))
    for i, j in links:
        mat[j, i] = 1
    return mat


def agcn_adjacency(layout: Layout | str) -> np.ndarray:
    """The official 2s-AGCN 'spatial' adjacency ``(3, V, V)`` float32: identity, inward
    (``A[parent, child] = 1``) and outward (``A[child, parent] = 1``), the latter two
    normalised column-wise."""
    lay = get_layout(layout) if isinstance(layout, str) else layout
    v = lay.num_joints
    inward = list(lay.graph_edges)
    outward = [(j, i) for i, j in inward]
    return np.stack((
        _edge_matrix([(i, i) for i in range(v)], v),
        normalize_columns(_edge_matrix(inward, v)),
        normalize_columns(_edge_matrix(outward, v)),
    )).astype(np.float32)


def binary_adjacency(layout: Layout | str) -> np.ndarray:
    """MS-G3D's ``A_binary``: ``(V, V)`` float32, 1 where two joints share a graph edge
    (both directions), 0 elsewhere, no self-links."""
    lay = get_layout(layout) if isinstance(layout, str) else layout
    v = lay.num_joints
    adj = np.zeros((v, v), dtype=np.float32)
    for i, j in lay.graph_edges:
        adj[i, j] = adj[j, i] = 1.0
    return adj


def k_hop_adjacency(adj: np.ndarray, k: int) -> np.ndarray:
    """MS-G3D's disentangled ``k``-hop graph of the 0/1 adjacency ``adj`` ``(V, V)``: 1
    where the shortest path between two joints has exactly ``k`` links, plus the identity
    (``k = 0``: the identity alone). The official ``k_adjacency(with_self=True)`` computes
    ``min((A+I)^k, 1) - min((A+I)^(k-1), 1) + I``, the same 0/1 matrix; this one counts
    hops with boolean products, so no power can grow large. Float32."""
    v = len(adj)
    eye = np.eye(v, dtype=bool)
    step = ((adj != 0) | eye).astype(np.int64)
    within = [eye]  # within[h][i, j]: a path of at most h links
    for _ in range(k):
        within.append((within[-1].astype(np.int64) @ step) > 0)
    exact = within[k] & ~within[k - 1] if k > 0 else np.zeros_like(eye)
    return (exact | eye).astype(np.float32)


def normalize_symmetric(adj: np.ndarray) -> np.ndarray:
    """``D^-1/2 A D^-1/2`` with ``D`` the row sums (the official
    ``normalize_adjacency_matrix``), float32, rounded as there: the inverse square roots
    in float32, the products in float64, the result cast to float32."""
    inv = np.power(adj.sum(-1).astype(np.float32), np.float32(-0.5)).astype(np.float64)
    return (inv[:, None] * adj.astype(np.float64) * inv[None, :]).astype(np.float32)


def multiscale_adjacency(adj: np.ndarray, num_scales: int) -> np.ndarray:
    """MS-G3D's disentangled multi-scale graph: the normalised ``k``-hop graphs for ``k =
    0 .. num_scales - 1`` stacked on the rows, ``(num_scales * V, V)`` float32 (row ``k*V +
    i`` aggregates joint ``i`` at scale ``k``)."""
    return np.concatenate([normalize_symmetric(k_hop_adjacency(adj, k)) for k in range(num_scales)])


def window_adjacency(adj: np.ndarray, window: int) -> np.ndarray:
    """MS-G3D's spatial-temporal graph of a ``window``-frame window: ``(A + I)`` tiled
    ``window x window`` times, ``(window*V, window*V)`` float32; node ``w*V + v`` is joint
    ``v`` in frame ``w`` of the window."""
    with_self = adj.astype(np.float32) + np.eye(len(adj), dtype=np.float32)
    return np.tile(with_self, (window, window))
