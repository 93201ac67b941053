"""Benchmark (issue 46, levers tried on the final order): which candidate leads, under each way of ordering the
rerank's 20 candidates. Precision at 1 and hit@5 of the how-to questions.

    python bench/final_order_levers.py [--retriever base] [--out FILE.json]

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the Gemma rerank; no
generator) and, for each question, scores its candidates once: the first stage's score, the LM's likelihood of the
question (`rag.rerank.QueryLikelihoodReranker.score`), and the LM's likelihood of each name as the answer, token by
token, under three prompts, plus a listwise prompt over the first five. Then every variant reorders those same
scores, so the variants differ only in how they order; `today` is the product's order when this bench was written
(fusion 0.5, names 0.5, `prompts/rerank_name.txt`), before `methods 0.1 lower` was kept
(`rag.rerank.METHOD_PENALTY`) and then `first 5 by the name summed` (`rag.rerank.LEAD`). Variants (choose on `dev`
only):
- `fusion F, names W`: the product's two fusions at other weights (``(1-F) z(first) + F z(LM)``, then
  ``(1-W) z(that) + W z(name)``);
- `name summed, names W` / `name, last part`: the name's log-probabilities summed (its likelihood as a whole),
  at name weight W, or averaged over its last part only
  (``loads``` of ``json.loads```), instead of averaged over the whole name;
- `prompt: no "how to"`: the question's leading "how to" / "how do I" left out of the name's prompt; `prompt: Q/A`:
  "Q: How do I {question} in Python?\\nA: Use `";
- `methods P lower`: a method (``Class.method``) scores P lower after both fusions: a library's entry points are
  its module-level functions and classes;
- `name summed, methods P lower`: both;
- `name over length^A, methods 0.1 lower`: the name's log-probability summed and divided by its token count to the
  power A (0: summed, 1: the mean), the whole order;
- `first K by the name summed`: `methods 0.1 lower`'s first K ordered among themselves by the same fusion with the
  name summed (the rest keep their places);
- `class and members`: a class whose members are also candidates yields to its best member, unless the question
  makes something ("create", "make", "build"...), where it leads them;
- `listwise, W`: the first five are listed by name in one prompt ("Candidates: `a`, `b`...\\nThe best one to use is
  `"), each name's likelihood there fused at weight W with the product's order over those five (1: alone);
  `listwise with docstrings`: each listed with its docstring's first line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from data.documents import is_code_unit, is_method, title  # noqa: E402
from eval.howto import HOWTO_QUERIES, expected_sources, first_source_table  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import DEFAULT_FUSION_WEIGHT, DEFAULT_NAME_WEIGHT, AnswerOptions  # noqa: E402

HOW_TO = re.compile(r"^how (?:to|do i|can i|do you)\s+", re.IGNORECASE)
MAKES = re.compile(r"\b(?:create|make|build|construct|instantiate|initiali[sz]e|new)\b", re.IGNORECASE)
NAME_PROMPTS = {"today": "Python. To {question}, use `", "no how-to": "Python. To {bare}, use `",
                "qa": "Q: How do I {bare} in Python?\nA: Use `"}
LISTWISE = "Question: how do I {bare} in Python?\nCandidates:{listed}\nThe best one to use is `"


def z(values: list[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else values * 0


def neutral(names: list[float | None]) -> list[float]:
    """A source without a name scores the mean of those with one, as the product does."""
    known = [n for n in names if n is not None]
    middle = float(np.mean(known)) if known else 0.0
    return [middle if n is None else n for n in names]


def capture(retriever: object, question: str) -> dict:
    """The candidates of one question with every score the variants need."""
    reranker = retriever.reranker
    candidates = retriever.search(question, reranker.candidates)
    bare = HOW_TO.sub("", question.strip().rstrip("?"))
    entries = [{"id": f"{s.path}:{s.func_name}", "kind": s.kind, "func_name": s.func_name, "path": s.path,
                "method": is_method(s),
                "first": s.first_stage_score, "name": (title(s) or s.func_name) if is_code_unit(s) else "",
                "doc": (s.docstring.strip().splitlines() or [""])[0][:80]} for s in candidates]
    for entry, lm in zip(entries, reranker.score(question, candidates), strict=True):
        entry["lm"] = lm
    tokenizer = reranker.tokenizer
    named = [e for e in entries if e["name"]]
    ends = [tokenizer(e["name"] + "`", add_special_tokens=False)["input_ids"] for e in named]
    for key, template in NAME_PROMPTS.items():
        prompt = tokenizer(template.format(question=question.strip().rstrip("?"), bare=bare))["input_ids"]
        rows = [(len(end), *prompt, *end) for end in ends]
        reranker._prefixed_log_probs(prompt, ends)  # noqa: SLF001  # fills the remembered scores
        tokens = [_token_log_probs(reranker, prompt, end) for end in ends] if key == "today" else None
        for i, entry in enumerate(named):
            entry[f"name {key}"] = reranker._scores[rows[i]]  # noqa: SLF001
            if tokens is not None:
                entry["name tokens"], entry["name pieces"] = tokens[i], [tokenizer.decode([t]) for t in ends[i]]
    return {"question": question, "bare": bare, "entries": entries}


def _token_log_probs(reranker: object, prompt: list[int], end: list[int]) -> list[float]:
    """Each token's log-probability of one name after the prompt (one sequence, no padding)."""
    import torch

    model = reranker.generator.bf16_model() if reranker.precision.uses_bf16("rerank") else reranker.model
    ids = torch.tensor([prompt + end], device=reranker.device)
    with torch.inference_mode():
        logits = model(input_ids=ids, logits_to_keep=len(end) + 1).logits[0, :-1].float()
    log_probs = torch.log_softmax(logits, -1)
    return [log_probs[j, token].item() for j, token in enumerate(end)]


def product_order(entries: list[dict], fusion: float = DEFAULT_FUSION_WEIGHT, names: float = DEFAULT_NAME_WEIGHT,
                  name_key: str = "name today", name_of: Callable[[dict], float] | None = None) -> np.ndarray:
    """The product's score of each candidate: first stage and LM fused, then the name."""
    fused = (1 - fusion) * z([e["first"] for e in entries]) + fusion * z([e["lm"] for e in entries])
    if not names:
        return fused
    name = [(name_of(e) if name_of else e[name_key]) if e["name"] else None for e in entries]
    return (1 - names) * z(fused) + names * z(neutral(name))


def methods(item: dict) -> np.ndarray:
    """1 for a method (``Class.method``), 0 otherwise."""
    return np.array([e["method"] for e in item["entries"]], dtype=float)


def first_by_summed(item: dict, lead: int, extra: np.ndarray | float = 0.0) -> np.ndarray:
    """`methods 0.1 lower`'s first `lead` ordered among themselves with the name summed, as `rag.rerank` does;
    `extra` added to both stages' scores."""
    scores = product_order(item["entries"]) - 0.1 * methods(item) + extra
    first = np.argsort(-scores, kind="stable")[:lead]
    summed = product_order(item["entries"], name_of=lambda e: sum(e["name tokens"])) - 0.1 * methods(item) + extra
    placed = scores.copy()
    placed[first] = summed[first] + 1e6  # they lead, in their new order; the rest keep theirs below
    return placed


def last_part(entry: dict) -> float:
    """The name's mean log-probability over the tokens after its last dot."""
    pieces, values = entry["name pieces"], entry["name tokens"]
    dots = [i for i, piece in enumerate(pieces) if "." in piece]
    start = dots[-1] + 1 if dots and dots[-1] + 1 < len(values) else 0
    return float(np.mean(values[start:]))


def class_and_members(question: str, entries: list[dict], scores: np.ndarray) -> np.ndarray:
    """A class with members among the candidates: just above its best member for a question that makes something,
    just below it otherwise."""
    placed = scores.copy()
    makes = bool(MAKES.search(question))
    for i, entry in enumerate(entries):
        if entry["kind"] != "class":
            continue
        members = [j for j, other in enumerate(entries) if other["path"] == entry["path"]
                   and other["kind"] == "function" and other["func_name"].startswith((entry["func_name"] + ".",
                                                                                       entry["func_name"] + "::"))]
        if members:
            best = max(scores[j] for j in members)
            if makes and scores[i] < best:
                placed[i] = best + 1e-3
            elif not makes and scores[i] > best:
                placed[i] = best - 1e-3
    return placed


def listwise(reranker: object, item: dict, scores: np.ndarray, weight: float, docstrings: bool) -> np.ndarray:
    """The first five (named) by `scores`, reordered by their likelihood in one listing prompt, fused at `weight`."""
    order = [i for i in np.argsort(-scores, kind="stable") if item["entries"][i]["name"]][:5]
    top = [item["entries"][i] for i in order]
    listed = "".join(f"\n- `{e['name']}`: {e['doc']}" for e in top) if docstrings else \
        " " + ", ".join(f"`{e['name']}`" for e in top)
    tokenizer = reranker.tokenizer
    prompt = tokenizer(LISTWISE.format(bare=item["bare"], listed=listed))["input_ids"]
    chosen = np.array(reranker._prefixed_log_probs(  # noqa: SLF001
        prompt, [tokenizer(e["name"] + "`", add_special_tokens=False)["input_ids"] for e in top]))
    fused = (1 - weight) * z(scores[order]) + weight * z(chosen)
    placed = np.full(len(scores), -1e9)
    placed[order] = fused + 1e6  # the five lead, in their new order; the rest keep theirs below
    rest = [i for i in range(len(scores)) if i not in order]
    placed[rest] = scores[rest]
    return placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none"))
    reranker = retriever.reranker
    questions = json.loads(HOWTO_QUERIES.read_text())
    items = [capture(retriever, q["question"]) for q in tqdm(questions, desc="Scoring candidates", unit="question")]

    variants: dict[str, Callable[[dict], np.ndarray]] = {"today": lambda item: product_order(item["entries"])}
    for fusion in (0.5, 0.9, 1.0):
        for names in (0.33, 0.5, 0.6):
            variants[f"fusion {fusion}, names {names}"] = (
                lambda item, f=fusion, w=names: product_order(item["entries"], f, w))
    for names in (0.33, 0.5, 0.6):
        variants[f"name summed, names {names}"] = (
            lambda item, w=names: product_order(item["entries"], names=w, name_of=lambda e: sum(e["name tokens"])))
    for penalty in (0.1, 0.3):
        variants[f"name summed, methods {penalty} lower"] = lambda item, p=penalty: (
            product_order(item["entries"], name_of=lambda e: sum(e["name tokens"])) - p * methods(item))
    for power in (0.25, 0.5, 0.75):
        variants[f"name over length^{power}, methods 0.1 lower"] = lambda item, a=power: (
            product_order(item["entries"], name_of=lambda e: sum(e["name tokens"]) / len(e["name tokens"]) ** a)
            - 0.1 * methods(item))
    for lead in (3, 5, 10):
        variants[f"first {lead} by the name summed"] = lambda item, k=lead: first_by_summed(item, k)
    variants["name, last part"] = lambda item: product_order(item["entries"], name_of=last_part)
    variants['prompt: no "how to"'] = lambda item: product_order(item["entries"], name_key="name no how-to")
    variants["prompt: Q/A"] = lambda item: product_order(item["entries"], name_key="name qa")
    for penalty in (0.1, 0.3, 0.75):
        variants[f"methods {penalty} lower"] = lambda item, p=penalty: (
            product_order(item["entries"]) - p * methods(item))
    variants["class and members"] = lambda item: class_and_members(item["question"], item["entries"],
                                                                   product_order(item["entries"]))
    for weight in (1.0, 0.5, 0.33):
        for docstrings in (False, True):
            label = f"listwise{' with docstrings' if docstrings else ''}, {weight}"
            variants[label] = lambda item, w=weight, d=docstrings: listwise(
                reranker, item, product_order(item["entries"]), w, d)

    rows = []
    for label, order_scores in tqdm(variants.items(), desc="Variants", unit="variant"):
        for question, item in zip(questions, items, strict=True):
            expected = expected_sources(question["answers"])
            scores = order_scores(item)
            ids = [item["entries"][i]["id"] for i in np.argsort(-scores, kind="stable")[:5]]
            rows.append({"variant": label, "set": question["set"], "question": question["question"],
                         "p@1": ids[0] in expected, "hit@5": any(i in expected for i in ids), "first": ids[0]})
    lines = first_source_table(rows, ["variant"])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args), "scored": items}, indent=1),
                                  encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
