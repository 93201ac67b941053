"""How central each definition is in its code base: PageRank over the graph of references between definitions.

An entry refers to a definition in another file when its code names it: a module-level function or class by its
module (``json.loads``, ``tempfile.mkdtemp``), or by its name alone where that name is distinctive (long, and
snake_case or camelCase, as aider's repo map counts identifiers); a method by a distinctive attribute
(``.add_mutually_exclusive_group``). A reference counts the square root of the times it is made, shared among the
definitions it may mean. Names are matched as text, no imports resolved: `json.loads` and `argparse.ArgumentParser`
are referred to far more than `JSONDecoder.raw_decode` or `cmd.Cmd.parseline`. The rank is reported as
log(rank × definitions): 0 for the uniform rank, positive for a definition more referred to than the average.
Does not handle: where the entries come from (see `rag.store.references`).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.documents import is_code_unit

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ATTRIBUTE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")
QUALIFIED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")
PACKAGE_FILES = ("__init__", "index", "mod", "lib")  # a file that stands for its folder's module
DAMPING = 0.85


@dataclass(frozen=True)
class Definition:
    """One entry of an index, as the graph reads it."""

    id: str
    path: str
    func_name: str  # ``loads``, ``JSONDecoder.raw_decode``, ``Version::parse``
    kind: str  # function, class, section, config, script: only functions and classes are definitions
    code: str


def distinctive(name: str) -> bool:
    """A name unlikely to be another's by chance: long, snake_case or camelCase."""
    return len(name) >= 8 and ("_" in name.strip("_") or any(c.isupper() for c in name[1:]))


def module_of(path: str) -> str:
    """The last part of a file's module name: ``json/__init__.py`` → ``json``, ``os.py`` → ``os``."""
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1].split(".")[0]
    return parts[-2] if stem in PACKAGE_FILES and len(parts) > 1 else stem


def _name_parts(func_name: str) -> list[str]:
    return [part for part in re.split(r"\.|::", func_name) if part]


def reference_ranks(entries: Sequence[Definition]) -> dict[str, float]:
    """log(PageRank × nodes) of each function and class over the reference graph, by id (see the module
    docstring); entries that are not definitions are not in it (an entry whose code refers is a node of the
    graph all the same)."""
    nodes = [i for i, e in enumerate(entries) if is_code_unit(e) and _name_parts(e.func_name)]
    targets: dict[tuple[str, str], list[int]] = defaultdict(list)  # a way code refers to it: its definitions
    for i in nodes:
        parts = _name_parts(entries[i].func_name)
        if len(parts) == 1:
            targets["qualified", f"{module_of(entries[i].path)}.{parts[0]}"].append(i)
            if distinctive(parts[0]):
                targets["bare", parts[0]].append(i)
        elif distinctive(parts[-1]):
            targets["attribute", parts[-1]].append(i)
    edges: dict[tuple[int, int], float] = defaultdict(float)
    for i, entry in enumerate(entries):
        counts = Counter(("qualified", f"{a}.{b}") for a, b in QUALIFIED.findall(entry.code))
        counts.update(("bare", name) for name in IDENTIFIER.findall(entry.code))
        counts.update(("attribute", name) for name in ATTRIBUTE.findall(entry.code))
        for key, times in counts.items():
            found = [j for j in targets.get(key, ()) if entries[j].path != entry.path]
            for j in found:
                edges[i, j] += math.sqrt(times) / len(found)
    graph = sorted({*nodes, *(i for i, _ in edges)})  # an entry that only refers passes its share on
    ranks = dict(zip(graph, pagerank(graph, edges), strict=True))
    return {entries[i].id: math.log(ranks[i] * len(graph)) for i in nodes}


def pagerank(nodes: Sequence[int], edges: dict[tuple[int, int], float], *, tolerance: float = 1e-6,
             steps: int = 100) -> np.ndarray:
    """PageRank of `nodes` by power iteration (damping 0.85; a node without edges out, and an edge's source that
    is not a node, spread evenly), in the order of `nodes`; edges between two nodes only."""
    if not nodes:
        return np.zeros(0)
    position = {node: n for n, node in enumerate(nodes)}
    kept = [(position[i], position[j], w) for (i, j), w in edges.items() if i in position and j in position and w > 0]
    sources = np.array([s for s, _, _ in kept], dtype=int)
    sinks = np.array([t for _, t, _ in kept], dtype=int)
    weights = np.array([w for _, _, w in kept], dtype=float)
    size = len(nodes)
    out = np.zeros(size)
    np.add.at(out, sources, weights)
    share = weights / out[sources] if kept else weights
    dangling = out == 0
    rank = np.full(size, 1 / size)
    for _ in range(steps):
        flow = np.zeros(size)
        np.add.at(flow, sinks, rank[sources] * share)
        new = DAMPING * (flow + rank[dangling].sum() / size) + (1 - DAMPING) / size
        done = np.abs(new - rank).sum() < size * tolerance
        rank = new
        if done:
            break
    return rank
