"""Benchmark (issue 46, levers tried): does a prior in the first stage put the right function first? Precision at 1
and hit@5 of the how-to questions with a prior added to every first-stage score.

    python bench/first_stage_priors.py --prior centrality|pagerank|private [--retriever base] [--weights 0 0.3 0.6 1.0]
        [--out FILE.json]

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the fused Gemma
rerank; no generator). Each weight adds weight × prior to every first-stage score before the reranker fuses it
with the LM's; weight 0 is today's pipeline, measured in the same run. Sections and configuration windows get no
prior. The priors:
- `centrality`: how central a definition is in its code base: the other files of the corpus whose code refers to
  its name (an attribute ``.name`` for a method, the bare name otherwise), divided by how many definitions share
  that name (``copy`` is defined by many classes), as log(1 + that); read from the index's own documents;
- `pagerank`: PageRank over the references between definitions (`data.references`, as aider's repo map ranks
  definitions; what the product stores with the index): log(rank × nodes), 0 for the uniform rank;
- `private`: -1 for a definition a library keeps to itself (a name part or a file or folder starting with one
  underscore: `_splitattr`, `_pydecimal.Context.copy`; not `__init__`), 0 otherwise; none for a question that
  names an underscored identifier or asks where something is.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from data.documents import is_code_unit  # noqa: E402
from data.references import ATTRIBUTE, IDENTIFIER, reference_ranks  # noqa: E402
from eval.howto import HOWTO_QUERIES, expected_sources, first_source_table  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import AnswerOptions  # noqa: E402
from rag.search import Retriever  # noqa: E402
from rag.store.references import index_definitions  # noqa: E402


def centrality(retriever: Retriever) -> dict[str, float]:
    """Each entry's centrality (see the module docstring), by id."""
    entries = index_definitions(retriever.index)
    name_users, attribute_users, definitions = defaultdict(set), defaultdict(set), defaultdict(int)
    for entry in entries:
        for name in set(IDENTIFIER.findall(entry.code)):
            name_users[name].add(entry.path)
        for name in set(ATTRIBUTE.findall(entry.code)):
            attribute_users[name].add(entry.path)
        definitions[entry.func_name.split(".")[-1]] += 1
    prior = {}
    for entry in entries:
        parts = entry.func_name.split(".")
        if not is_code_unit(entry):
            prior[entry.id] = 0.0
            continue
        users = (attribute_users if len(parts) > 1 else name_users)[parts[-1]] - {entry.path}
        prior[entry.id] = math.log1p(len(users) / definitions[parts[-1]])
    return prior


def pagerank(retriever: Retriever) -> dict[str, float]:
    """Each definition's reference rank (`data.references`, as the product stores it with the index), by id."""
    return reference_ranks(index_definitions(retriever.index))


def is_private(path: str, func_name: str) -> bool:
    """A name part, file or folder that starts with one underscore (dunders such as `__init__` are public)."""
    parts = [*path.replace("\\", "/").split("/"), *func_name.split(".")]
    return any(part.startswith("_") and not part.startswith("__") for part in parts)


def privacy(retriever: Retriever) -> dict[str, float]:
    """-1 for each private definition (`is_private`), by id."""
    return {entry.id: -1.0 if is_code_unit(entry) and is_private(entry.path, entry.func_name) else 0.0
            for entry in index_definitions(retriever.index)}


ASKS_FOR_PRIVATE = re.compile(r"(^\s*where\b)|(\b_[A-Za-z]\w*)", re.IGNORECASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prior", choices=["centrality", "pagerank", "private"], required=True)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.3, 0.6, 1.0])
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none"))
    prior = {"centrality": centrality, "pagerank": pagerank, "private": privacy}[args.prior](retriever)
    search, weight = Retriever.search, [0.0]

    def with_prior(self: Retriever, question: str, k: int, language: str | None = None, kinds: tuple = ()) -> list:
        found = search(self, question, k, language, kinds)
        if args.prior == "private" and ASKS_FOR_PRIVATE.search(question):
            return found
        return sorted((replace(s, hybrid_score=s.first_stage_score + weight[0] * prior.get(s.id, 0.0)) for s in found),
                      key=lambda s: -s.first_stage_score)

    Retriever.search = with_prior  # type: ignore[method-assign]
    questions = json.loads(HOWTO_QUERIES.read_text())
    rows = []
    for weight[0] in args.weights:
        for item in tqdm(questions, desc=f"weight {weight[0]}", unit="question"):
            expected = expected_sources(item["answers"])
            hits = [f"{s.path}:{s.func_name}" in expected for s in retriever.retrieve(item["question"], 5)]
            rows.append({"weight": weight[0], "set": item["set"], "question": item["question"],
                         "p@1": bool(hits and hits[0]), "hit@5": any(hits)})
    lines = [f"prior: {args.prior}", "", *first_source_table(rows, ["weight"])]
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
