"""Benchmark (issue 46, a lever tried): what the reranker reads of each candidate, for precision at 1.

    python bench/rerank_passages.py [--retriever base] [--variants code named signature] [--out FILE.json]

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the fused Gemma
rerank; no generator) and answers the how-to questions once per variant of the passage the LM reads before the
question (`rag.rerank.QueryLikelihoodReranker.prompt_ids`, cut to the same 128 tokens):
- `code`: today's, the docstring and the code;
- `named`: the qualified name (`json.loads`) on a line of its own, then the docstring and the code;
- `signature`: the qualified name, the signature line and the docstring, no body.
Precision at 1 and hit@5 per set; `code` is today's pipeline, measured in the same run. Choose on `dev` only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from data.documents import document_text, qualified_name  # noqa: E402
from data.languages import language_in_prose  # noqa: E402
from eval.howto import HOWTO_QUERIES, expected_sources, first_source_table  # noqa: E402
from rag.grounding import signature  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import AnswerOptions  # noqa: E402
from rag.rerank import QueryLikelihoodReranker  # noqa: E402
from rag.store import Source  # noqa: E402

VARIANTS = {
    "code": lambda s: document_text(s, "docstring+code"),
    "named": lambda s: f"{qualified_name(s.path, s.func_name, s.language)}\n{document_text(s, 'docstring+code')}",
    "signature": lambda s: f"{qualified_name(s.path, s.func_name, s.language)}\n{signature(s)}\n{s.docstring}",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none"))
    reranker = retriever.reranker
    questions = json.loads(HOWTO_QUERIES.read_text())
    passage = [VARIANTS["code"]]

    def prompt_ids(self: QueryLikelihoodReranker, source: Source) -> list[int]:  # today's, with another passage
        ids = self.tokenizer(passage[0](source), add_special_tokens=False)["input_ids"][: self.passage_tokens]
        what = {"section": "documentation", "config": "configuration"}.get(source.kind, "code")
        prompt = self.template.format(language=language_in_prose(source.language), what=what, passage=self.tokenizer.decode(ids))
        return self.tokenizer(prompt.rstrip("\n"))["input_ids"]

    QueryLikelihoodReranker.prompt_ids = prompt_ids  # type: ignore[method-assign]  # `code`: the same tokens as today
    rows = []
    for variant in args.variants:
        passage[0] = VARIANTS[variant]
        for item in tqdm(questions, desc=variant, unit="question"):
            expected = expected_sources(item["answers"])
            hits = [f"{s.path}:{s.func_name}" in expected for s in retriever.retrieve(item["question"], 5)]
            rows.append({"variant": variant, "set": item["set"], "question": item["question"],
                         "p@1": bool(hits and hits[0]), "hit@5": any(hits)})
    lines = first_source_table(rows, ["variant"])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args), "candidates": reranker.candidates},
                                             indent=1), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
