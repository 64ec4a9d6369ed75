"""The :class:`Layout` type: a skeleton layout as data.

A layout holds joint names, the kinematic tree (root and parent of every joint,
0-based), the recogniser graph's neighbour links exactly as the official ST-GCN code
lists them, the "major bones" used for bone-angle features, and named joint regions.
Everything downstream (attack SSR, bone metrics, discriminator features, retargeting,
extraction) takes its topology from here; joints are looked up by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Layout:
    """A skeleton joint layout.

    Attributes:
        name: short key (``"ntu25"``, ``"openpose18"``, ``"coco17"``).
        joint_names: ``V`` joint names, index = joint index in the tensor's V axis.
        parents: ``V`` parent indices of the kinematic tree (0-based, ``-1`` for the root).
        graph_edges: recogniser neighbour links, 0-based pairs in the official order
            (ST-GCN's ``neighbor_link``); not necessarily the kinematic tree.
        graph_center: the ST-GCN graph's centre joint (0-based).
        major_bones: child joints (0-based) whose bone ``parent -> child`` is a major
            bone (fingers and toes excluded) for bone-angle features.
        regions: named joint groups (0-based joint indices), for localized attacks.
        channels: names of the C channels (``("x", "y", "z")`` or ``("x", "y", "score")``).
        coordinate_frame: the frame data in this layout is normally expressed in.
        stgcn_graph: the official ST-GCN graph name for this layout, if any.
    """

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    graph_edges: tuple[tuple[int, int], ...]
    graph_center: int
    major_bones: tuple[int, ...]
    regions: dict[str, tuple[int, ...]] = field(hash=False)
    channels: tuple[str, ...]
    coordinate_frame: str
    stgcn_graph: str | None = None

    def __post_init__(self) -> None:
        v = len(self.joint_names)
        if len(self.parents) != v:
            raise ValueError(f"layout {self.name}: {len(self.parents)} parents for {v} joints")
        roots = [j for j, p in enumerate(self.parents) if p < 0]
        if len(roots) != 1:
            raise ValueError(f"layout {self.name}: expected one root, found {roots}")
        # every joint must reach the root without cycles
        for j in range(v):
            seen, k = set(), j
            while self.parents[k] >= 0:
                if k in seen:
                    raise ValueError(f"layout {self.name}: cycle through joint {j}")
                seen.add(k)
                k = self.parents[k]

    @property
    def num_joints(self) -> int:
        """Number of joints ``V``."""
        return len(self.joint_names)

    @property
    def root(self) -> int:
        """Index of the kinematic tree's root joint."""
        return self.parents.index(-1)

    @property
    def bones(self) -> tuple[tuple[int, int], ...]:
        """Kinematic-tree bones as ``(parent, child)`` pairs, one per non-root joint."""
        return tuple((p, c) for c, p in enumerate(self.parents) if p >= 0)

    @property
    def graph_edges_1based(self) -> tuple[tuple[int, int], ...]:
        """``graph_edges`` in the 1-based numbering of the dataset documentation."""
        return tuple((a + 1, b + 1) for a, b in self.graph_edges)

    def index(self, name: str) -> int:
        """Joint index for ``name``; raises ``KeyError`` listing valid names."""
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise KeyError(
                f"layout {self.name} has no joint {name!r}; joints: {', '.join(self.joint_names)}"
            ) from None

    def indices(self, names: list[str] | tuple[str, ...]) -> tuple[int, ...]:
        """Joint indices for several names."""
        return tuple(self.index(n) for n in names)

    def children(self, joint: int) -> tuple[int, ...]:
        """Direct children of ``joint`` in the kinematic tree."""
        return tuple(c for c, p in enumerate(self.parents) if p == joint)

    @cached_property
    def depth(self) -> tuple[int, ...]:
        """Tree depth of every joint (root = 0)."""
        out = []
        for j in range(self.num_joints):
            d, k = 0, j
            while self.parents[k] >= 0:
                k = self.parents[k]
                d += 1
            out.append(d)
        return tuple(out)

    @cached_property
    def levels(self) -> tuple[tuple[int, ...], ...]:
        """Joints grouped by depth, root level first: the order for root-outwards passes."""
        max_d = max(self.depth)
        return tuple(
            tuple(j for j in range(self.num_joints) if self.depth[j] == d) for d in range(max_d + 1)
        )

    @cached_property
    def descendants(self) -> tuple[tuple[int, ...], ...]:
        """For every joint, all joints below it (not including itself)."""
        out: list[list[int]] = [[] for _ in range(self.num_joints)]
        for j in range(self.num_joints):
            k = self.parents[j]
            while k >= 0:
                out[k].append(j)
                k = self.parents[k]
        return tuple(tuple(sorted(d)) for d in out)

    def descendant_matrix(self) -> np.ndarray:
        """``(V, V)`` bool matrix ``D`` with ``D[a, b]`` true when b is a or below a."""
        d = np.eye(self.num_joints, dtype=bool)
        for a, desc in enumerate(self.descendants):
            d[a, list(desc)] = True
        return d

    def region(self, name: str) -> tuple[int, ...]:
        """Joint indices of a named region; raises ``KeyError`` listing valid names."""
        try:
            return self.regions[name]
        except KeyError:
            raise KeyError(
                f"layout {self.name} has no region {name!r}; regions: {', '.join(self.regions)}"
            ) from None

    def major_bone_pairs(self) -> tuple[tuple[int, int], ...]:
        """Major bones as ``(parent, child)`` pairs."""
        return tuple((self.parents[c], c) for c in self.major_bones)
