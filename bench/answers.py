"""Benchmark: the answers `rag.ask` gives to the how-to questions, with the time per answer.

    python bench/answers.py [--sets dev,heldout] [--retriever base] [--lexical_weight 0.1] [--rerank gemma] \\
        [--generator gemma] [--limit N] [--precision auto|float32] [--out FILE.json] [--against EARLIER.json]

Each question (`eval/howto_queries.json`, both sets, with the functions that answer it) is retrieved as
`rag.ask` does (the default standard-library index, built on first use; the same retriever and reranker),
then answered as `rag.ask` answers it: the generator's prompt style (a worked example to continue for the
base Gemma), the loop detector, and the grounding review with its extractive fallback; the answer a user
reads is `Answer.shown`.

Per answer, measured without the project's grounding check:
- `names_expected`: the shown answer names an expected function (its last name part, as a word);
- `unflagged_unresolved`: names its code uses (`json.loads`, `from csv import DictReader`) that this Python
  cannot resolve (import the longest module prefix, then getattr the rest) and that the answer does not
  flag as unverified. Bare names count as resolved when a builtin or an imported module has them (not a
  module that answers any attribute, such as `torch.ops`);
- `degenerate`: the shown answer repeats itself (a line 3 times, or a 4-word run 4 times);
- `cut_mid_code`: the shown answer ends inside a code span (an odd number of backticks outside ``` fences, or
  an unclosed fence);
- `wrong_citations`: citations `` `name` [n] `` in the shown answer where there is no source n, or source n is
  neither the function named (last name part) nor has that name in its code;
- `flagged_but_real`: names the answer lists as unverified that this Python resolves (`csv.reader`);
- `seconds`: generation plus review;
- expected functions: the question's answers, and for a constructor (`tempfile.py:TemporaryDirectory.__init__`)
  its class too (`eval.howto.expected_sources`);
- `hit@3`, `hit@5`, per question: an expected function is among the first 3 or 5 sources (a base-model
  answer, the packaged Gemma's, names the first three: its own line and its "See also");
- `p@1`: the first source is an expected function (the one the answer leads with, ``Use `X` [1]``);
- `first_cited_expected`: the first citation ``name [n]`` of the shown answer points at a source that is an
  expected function (no citation: not).
With `--against` (an earlier `--out` of the same questions), each share's difference to it, with a paired 95%
bootstrap interval over the questions both runs answered.
Names are extracted from the answer's code spans by `rag.grounding.identifiers_used`; only the verdict on
each name is independent of the project's code.
"""

from __future__ import annotations

import argparse
import builtins
import importlib
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from data.cache import DEFAULT_CACHE  # noqa: E402
from eval.answer_metrics import paired_bootstrap_ci  # noqa: E402
from eval.howto import HOWTO_QUERIES, expected_sources  # noqa: E402
from rag.answer import Answer, answer_question  # noqa: E402
from rag.grounding import KnownNames, identifiers_used  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import DEFAULT_LEXICAL_WEIGHT, MAX_NEW_TOKENS, AnswerOptions  # noqa: E402
from retriever_finetune.precision_choice import HELP as PRECISION_HELP  # noqa: E402
from retriever_finetune.precision_choice import PRECISIONS  # noqa: E402

NEVER_IMPORT = frozenset({"antigravity", "this", "idlelib", "turtle", "tkinter"})  # side effects on import


def resolves(name: str) -> bool:
    """True when this Python has `name`: a module (prefix) that imports, then attributes that exist."""
    parts = name.split(".")
    if len(parts) == 1:
        return hasattr(builtins, name) or any(hasattr(m, name) for m in list(sys.modules.values())
                                              if m and not hasattr(m, "no_such_attribute_anywhere_3f9a"))
    if parts[0] in NEVER_IMPORT:
        return True  # not checked
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target = importlib.import_module(module_name)
        except Exception:  # noqa: BLE001 (any import failure means "not this module")
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return hasattr(builtins, parts[0]) and hasattr(getattr(builtins, parts[0]), parts[1])


def is_degenerate(text: str) -> bool:
    """A line (4+ characters) three times, or a run of four words four times."""
    lines = Counter(line.strip() for line in text.splitlines() if len(line.strip()) >= 4)
    words = text.split()
    runs = Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))
    return any(n >= 3 for n in lines.values()) or any(n >= 4 for n in runs.values())


def names_expected(text: str, answers: list[str]) -> bool:
    """The text names one of the expected functions (`csv.py:DictWriter.writerows` → `writerows`)."""
    return any(re.search(rf"\b{re.escape(a.split(':')[1].split('.')[-1])}\b", text) for a in answers)


CITATION = re.compile(r"`([^`\n]+)`\s*\[(\d+)\]")


def cut_mid_code(text: str) -> bool:
    """An unclosed ``` fence, or an odd number of single backticks outside the fences."""
    parts = text.split("```")
    if len(parts) % 2 == 0:
        return True
    return sum(part.count("`") for part in parts[::2]) % 2 == 1


def last_part(name: str) -> str:
    """`json.JSONDecoder.decode(s)` → `decode`."""
    return re.split(r"[.(\s]", name.strip().split("(")[0])[-1] if name.strip() else ""


def wrong_citations(text: str, sources: list) -> list[str]:
    """The citations whose number is not a source of that name (see the module docstring)."""
    wrong = []
    for name, number in CITATION.findall(text):
        n, word = int(number), last_part(name)
        source = sources[n - 1] if 1 <= n <= len(sources) else None
        if source is None or not word or (word != source.func_name.split(".")[-1]
                                          and not re.search(rf"\b{re.escape(word)}\b", source.code)):
            wrong.append(f"`{name}` [{number}]")
    return wrong


def first_cited(text: str, sources: list) -> str:
    """`path:func_name` of the source the text's first citation ``name [n]`` points at ("" without one)."""
    for _name, number in CITATION.findall(text):
        n = int(number)
        if 1 <= n <= len(sources):
            return f"{sources[n - 1].path}:{sources[n - 1].func_name}"
    return ""


def judge(answer: Answer, expected: list[str], seconds: float) -> dict:
    """The measures of one answer (see the module docstring)."""
    shown = answer.shown
    unresolved = [n for n in identifiers_used(shown) if not resolves(n)]
    return {"shown": shown, "generated": answer.text, "fallback": bool(answer.fallback),
            "names_expected": names_expected(shown, expected),
            "unflagged_unresolved": [n for n in unresolved if n not in answer.unverified],
            "flagged": answer.unverified, "degenerate": is_degenerate(shown), "seconds": seconds,
            "cut_mid_code": cut_mid_code(shown), "wrong_citations": wrong_citations(shown, answer.sources),
            "flagged_but_real": [n for n in answer.unverified if resolves(n)],
            "first_cited_expected": first_cited(shown, answer.sources) in expected,
            "sources": [f"{s.path}:{s.func_name}" for s in answer.sources]}


def summarise(rows: list[dict]) -> dict:
    """Shares over questions, median seconds."""
    count = len(rows)
    return {"questions": count,
            "names_expected": sum(r["names_expected"] for r in rows) / count,
            "unflagged_unresolved": sum(bool(r["unflagged_unresolved"]) for r in rows) / count,
            "degenerate": sum(r["degenerate"] for r in rows) / count,
            "fallback": sum(r["fallback"] for r in rows) / count,
            "cut_mid_code": sum(r["cut_mid_code"] for r in rows),
            "wrong_citations": sum(len(r["wrong_citations"]) for r in rows),
            "flagged_but_real": sum(len(r["flagged_but_real"]) for r in rows),
            "retrieval_hit@3": sum(r["hit@3"] for r in rows) / count,
            "retrieval_hit@5": sum(r["hit@5"] for r in rows) / count,
            "p@1": sum(r["p@1"] for r in rows) / count,
            "first_cited_expected": sum(r["first_cited_expected"] for r in rows) / count,
            "median_s": statistics.median(r["seconds"] for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="dev,heldout")
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--rerank", default="gemma")
    parser.add_argument("--lexical_weight", type=float, default=DEFAULT_LEXICAL_WEIGHT,
                        help="hybrid search's BM25 weight, as rag.ask (0: dense search alone)")
    parser.add_argument("--generator", default="gemma")
    parser.add_argument("--max_new_tokens", type=int, default=MAX_NEW_TOKENS, help="as rag.ask")
    parser.add_argument("--limit", type=int, default=0, help="first N questions of each set (0: all)")
    parser.add_argument("--persist", default=str(DEFAULT_CACHE / "chroma"))
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help=PRECISION_HELP)
    parser.add_argument("--out", default="bench/answers.json")
    parser.add_argument("--against", default="", help="an earlier --out: differences with paired 95%% intervals")
    args = parser.parse_args()

    options = AnswerOptions(retriever=args.retriever, rerank=args.rerank, lexical_weight=args.lexical_weight,
                            generator=args.generator, max_new_tokens=args.max_new_tokens, persist=args.persist,
                            precision=args.precision)
    generator, retriever = OpenedModels().open(options)  # as rag.ask opens them
    known = KnownNames.from_corpus(retriever.index.name_entries())  # read once, not per question

    sets = [s for s in args.sets.split(",") if s]
    questions = [q for q in json.loads(HOWTO_QUERIES.read_text()) if q["set"] in sets]
    if args.limit:
        questions = [q for s in sets for q in [x for x in questions if x["set"] == s][: args.limit]]
    rows: list[dict] = []
    for item in tqdm(questions, desc="Answering", unit="question"):
        start = time.perf_counter()  # the whole answer: search, rerank, generation and review
        answer = answer_question(item["question"], retriever, generator, k=options.k, max_new_tokens=options.max_new_tokens,
                                 max_context_tokens=options.max_context_tokens, known=known)
        expected = expected_sources(item["answers"])  # a constructor's class counts as the constructor
        hits = [f"{s.path}:{s.func_name}" in expected for s in answer.sources]
        row = judge(answer, expected, time.perf_counter() - start)
        rows.append({"question": item["question"], "set": item["set"], "undocumented": bool(item.get("undocumented")),
                     "p@1": bool(hits[:1] and hits[0]), "hit@3": any(hits[:3]), "hit@5": any(hits), **row})

    summary = {s: summarise([r for r in rows if r["set"] == s]) for s in sets}
    lines = ["| set | questions | names an expected function | unflagged unresolved name | degenerate "
             "| extractive fallback | cut mid-code | wrong citation numbers | real names flagged "
             "| retrieval hit@3 | retrieval hit@5 | precision at 1 | first citation expected | median s/answer |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in sets:
        m = summary[name]
        lines.append(f"| {name} | {m['questions']} | {m['names_expected']:.0%} | "
                     f"{m['unflagged_unresolved']:.0%} | {m['degenerate']:.0%} | {m['fallback']:.0%} | "
                     f"{m['cut_mid_code']} | {m['wrong_citations']} | {m['flagged_but_real']} | "
                     f"{m['retrieval_hit@3']:.0%} | {m['retrieval_hit@5']:.0%} | {m['p@1']:.0%} | "
                     f"{m['first_cited_expected']:.0%} | {m['median_s']:.1f} |")
    Path(args.out).write_text(json.dumps({"summary": summary, "answers": rows, "args": vars(args)}, indent=1))
    if args.against:
        lines += ["", *against(rows, json.loads(Path(args.against).read_text())["answers"], sets)]
    print("\n".join(lines))  # noqa: T201


COMPARED = ("p@1", "first_cited_expected", "hit@3", "hit@5", "names_expected", "fallback")


def against(rows: list[dict], earlier: list[dict], sets: list[str]) -> list[str]:
    """Per set, each share's difference to an earlier run, with a paired 95% bootstrap interval."""
    before = {(r["set"], r["question"]): r for r in earlier}
    lines = ["| set | questions | " + " | ".join(f"{m} (now − before, 95% interval)" for m in COMPARED) + " |",
             "|---|---|" + "---|" * len(COMPARED)]
    for name in sets:
        paired = [(r, before[(name, r["question"])]) for r in rows if r["set"] == name and (name, r["question"]) in before]
        if not paired:
            continue
        cells = []
        for measure in COMPARED:
            now = np.array([float(r.get(measure, False)) for r, _ in paired])
            was = np.array([float(b.get(measure, False)) for _, b in paired])
            mean, low, high = paired_bootstrap_ci(now, was)
            cells.append(f"{was.mean():.0%} → {now.mean():.0%} ({mean:+.2f}, [{low:+.2f}, {high:+.2f}])")
        lines.append(f"| {name} | {len(paired)} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    main()
