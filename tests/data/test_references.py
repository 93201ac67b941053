"""The reference graph's ranks: PageRank against networkx's, the graph's edges against ones written by hand."""

import math
import random

import networkx as nx
import pytest

from data.references import Definition, distinctive, module_of, pagerank, reference_ranks


def test_pagerank_equals_networkx_on_a_weighted_graph_with_dangling_nodes() -> None:
    rng = random.Random(7)
    nodes = list(range(30))
    edges = {(rng.randrange(25), rng.randrange(30)): rng.uniform(0.1, 3.0) for _ in range(90)}  # 25..29: no edges out
    edges = {(i, j): w for (i, j), w in edges.items() if i != j}
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_weighted_edges_from((i, j, w) for (i, j), w in edges.items())
    expected = nx.pagerank(graph, weight="weight", tol=1e-10, max_iter=1000)
    ours = pagerank(nodes, edges, tolerance=1e-10, steps=1000)
    assert list(ours) == pytest.approx([expected[n] for n in nodes], abs=1e-8)


@pytest.mark.parametrize(("name", "expected"), [("loads", False), ("add_mutually_exclusive_group", True),
                                                ("ArgumentParser", True), ("readline", False),
                                                ("__init__", False), ("raw_decode", True)])
def test_distinctive_names_are_long_and_snake_or_camel_case(name: str, expected: bool) -> None:
    assert distinctive(name) is expected


@pytest.mark.parametrize(("path", "expected"), [("json/__init__.py", "json"), ("os.py", "os"),
                                                ("xml/etree/ElementTree.py", "ElementTree"),
                                                ("src/index.ts", "src"), ("lib/fs/index.js", "fs")])
def test_module_of_a_file(path: str, expected: str) -> None:
    assert module_of(path) == expected


CODE_BASE = [
    Definition("loads", "json/__init__.py", "loads", "function", "def loads(s):\n    return _default_decoder.decode(s)"),
    Definition("raw", "json/decoder.py", "JSONDecoder.raw_decode", "function", "def raw_decode(self, s):\n    pass"),
    Definition("decoder", "json/decoder.py", "JSONDecoder", "class", "class JSONDecoder:\n    pass"),
    Definition("config", "app/config.py", "read_config", "function",
               "def read_config(p):\n    return json.loads(open(p).read()) or json.loads('{}') or JSONDecoder()"),
    Definition("cli", "app/cli.py", "main", "function",
               "def main():\n    d = JSONDecoder()\n    cfg = read_config('x')\n    return d.raw_decode(cfg)"),
    Definition("same", "json/__init__.py", "load", "function", "def load(fp):\n    return loads(fp.read())"),
    Definition("notes", "README.md", "Usage", "section", "Call json.loads and read_config."),
]


def test_the_ranks_are_pagerank_over_the_references_written_by_hand() -> None:
    """`json.loads` twice from config (√2) and `JSONDecoder` once, `read_config` and `.raw_decode` from cli (distinctive), `JSONDecoder`
    from cli (distinctive bare name); `loads` alone from its own file counts nothing; the README section refers
    too (it is a node that passes its share on) but is not ranked."""
    position = {d.id: i for i, d in enumerate(CODE_BASE)}
    hand = {("config", "loads"): math.sqrt(2), ("config", "decoder"): 1.0, ("cli", "decoder"): 1.0, ("cli", "config"): 1.0,
            ("cli", "raw"): 1.0, ("notes", "loads"): 1.0, ("notes", "config"): 1.0}
    graph = nx.DiGraph()
    definitions = [d.id for d in CODE_BASE if d.kind in ("function", "class")]
    graph.add_nodes_from(position[i] for i in definitions)
    graph.add_weighted_edges_from((position[a], position[b], w) for (a, b), w in hand.items())
    expected = nx.pagerank(graph, weight="weight", tol=1e-12, max_iter=1000)
    ranks = reference_ranks(CODE_BASE)
    assert set(ranks) == set(definitions)
    nodes = graph.number_of_nodes()
    assert ranks == pytest.approx({i: math.log(expected[position[i]] * nodes) for i in definitions}, abs=1e-4)
    assert ranks["loads"] > ranks["raw"] and ranks["loads"] > ranks["same"]


def test_nothing_to_rank_is_no_ranks() -> None:
    assert reference_ranks([]) == {}
    assert reference_ranks([Definition("s", "README.md", "Usage", "section", "text")]) == {}
