"""Benchmark (issue 46, levers tried together): the priors of the first-stage bench (`first_stage_priors.py`), added
to the final order with the levers kept. Precision at 1 and hit@5 of the how-to questions.

    python bench/final_order_priors.py --scored LEVERS.json [--retriever base] [--weights 0.1 0.2 0.3 0.5]
        [--out FILE.json]

Reads the candidates and scores `final_order_levers.py --out LEVERS.json` captured (no model runs here), and the
index of `--retriever` (the same one) for the priors. `today` is the product's order when this bench was written
(fusion 0.5, names 0.5, a method 0.1 lower, the first five by the name summed: `final_order_levers.first_by_summed`),
before `pagerank 0.1` was kept (`rag.rerank.REFERENCE_WEIGHT`); each variant adds weight × prior to both of its
stages (the five chosen by the mean, then ordered by the sum):
- `pagerank W` / `centrality W`: W × the prior's z-score over the 20 candidates (a candidate the prior does not
  cover, a section, scores the mean: neutral);
- `private W`: W lower for a private definition (`_splitattr`, `_pydecimal.Context.copy`), none for a question
  naming an underscored name or asking where;
- `pagerank W, private W2`: both.
Choose on `dev` only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from final_order_levers import first_by_summed, neutral, z  # noqa: E402
from first_stage_priors import ASKS_FOR_PRIVATE, centrality, is_private, pagerank  # noqa: E402

from eval.howto import HOWTO_QUERIES, expected_sources, first_source_table  # noqa: E402
from rag.opening import open_first_stage  # noqa: E402
from rag.options import SearchOptions  # noqa: E402


def by_source(retriever: object, prior: dict[str, float]) -> dict[str, float]:
    """A prior by entry id, keyed instead by ``path:func_name`` as the captured candidates are."""
    ids, metadatas = retriever.index.entries()
    return {f"{m['path']}:{m['func_name']}": prior[i] for i, m in zip(ids, metadatas, strict=True) if i in prior}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scored", required=True, help="final_order_levers.py --out file")
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.5])
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    items = json.loads(Path(args.scored).read_text())["scored"]
    retriever = open_first_stage(SearchOptions(retriever=args.retriever, rerank="none"), build=False)
    priors = {"pagerank": by_source(retriever, pagerank(retriever)),
              "centrality": by_source(retriever, centrality(retriever))}

    def graded(item: dict, name: str) -> np.ndarray:
        return z(neutral([priors[name].get(e["id"]) for e in item["entries"]]))

    def private(item: dict) -> np.ndarray:
        if ASKS_FOR_PRIVATE.search(item["question"]):
            return np.zeros(len(item["entries"]))
        return np.array([-1.0 if e["kind"] in ("function", "class") and is_private(e["path"], e["func_name"]) else 0.0
                         for e in item["entries"]])

    variants: dict[str, Callable[[dict], np.ndarray]] = {"today": lambda item: first_by_summed(item, 5)}
    for weight in args.weights:
        for name in priors:
            variants[f"{name} {weight}"] = lambda item, w=weight, n=name: first_by_summed(item, 5, w * graded(item, n))
        variants[f"private {weight}"] = lambda item, w=weight: first_by_summed(item, 5, w * private(item))
    for weight in args.weights:
        variants[f"pagerank {weight}, private 0.3"] = lambda item, w=weight: first_by_summed(
            item, 5, w * graded(item, "pagerank") + 0.3 * private(item))

    questions = json.loads(HOWTO_QUERIES.read_text())
    rows = []
    for label, order_scores in variants.items():
        for question, item in zip(questions, items, strict=True):
            expected = expected_sources(question["answers"])
            ids = [item["entries"][i]["id"] for i in np.argsort(-order_scores(item), kind="stable")[:5]]
            rows.append({"variant": label, "set": question["set"], "question": question["question"],
                         "p@1": ids[0] in expected, "hit@5": any(i in expected for i in ids), "first": ids[0]})
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1), encoding="utf-8")
    print("\n".join(first_source_table(rows, ["variant"])))  # noqa: T201


if __name__ == "__main__":
    main()
