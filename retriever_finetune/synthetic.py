"""Synthetic questions over a mined corpus, for tuning the retriever to code nobody labelled: cached, filtered.

Each documented function's docstring is rewritten into web-style questions (`data.questions`). With a
filter encoder, a question is kept only when that encoder ranks its own function among the corpus's top
`filter_top_k` (round-trip consistency, as GPL/InPars/Promptagator filter their generated queries): a
question too vague to find its function teaches nothing. The result is written as a labelled-pairs file
(`data.pairs` shape, with each function's docstring so training embeds it as the index does) under a name
that hashes every input, so a second run with the same corpus and settings reuses it and any change (a
function, a setting, the rules' version) makes a new one. Does not handle: LM-written questions (a 270M base
LM writes generic ones: measured in docs/RESULTS.md), or training (see `retriever_finetune.train`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.cli import InputError
from data.documents import document_text
from data.questions import rewrite_corpus
from data.records import Record
from retriever_finetune.encoder import Encoder

logger = logging.getLogger(__name__)

RULES_VERSION = "1"  # bump when `data.questions` changes what it writes: old caches then stop matching


@dataclass(frozen=True)
class SyntheticQuestions:
    """Where the questions are, and what making them kept and dropped."""

    path: Path
    functions: int
    questions: int
    filtered_out: int
    reused: bool


def cache_key(records: Sequence[Record], *, per_function: int, seed: int, document: str,
              filter_name: str, filter_top_k: int) -> str:
    """A digest of every input that changes the questions: the functions, the settings, the rules' version."""
    digest = hashlib.sha1()
    for part in (RULES_VERSION, str(per_function), str(seed), document, filter_name, str(filter_top_k)):
        digest.update(part.encode() + b"\x00")
    for record in records:
        for part in (record.repo, record.path, record.func_name, record.language, record.code, record.docstring):
            digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:16]


def keep_consistent(questions: list[str], owners: list[int], documents: list[str], encoder: Encoder,
                    top_k: int) -> list[bool]:
    """True for each question whose own document (`owners[i]` into `documents`) ranks in the encoder's top k."""
    document_vectors = encoder.encode_code(documents)  # (n_documents, dim)
    keep: list[bool] = []
    for start in range(0, len(questions), 512):
        query_vectors = encoder.encode_queries(questions[start: start + 512], show_progress=False)
        scores = query_vectors @ document_vectors.T  # (batch, n_documents)
        own = scores[np.arange(len(query_vectors)), owners[start: start + 512]][:, None]
        keep.extend(((scores > own).sum(axis=1) < top_k).tolist())
    return keep


def synthesize_questions(records: Sequence[Record], cache_dir: str | Path, *, per_function: int = 1, seed: int = 0,
                         document: str = "docstring+code", filter_encoder: Encoder | None = None,
                         filter_top_k: int = 10) -> SyntheticQuestions:
    """Questions for every documented function of `records`, written once to `cache_dir` and reused.

    Raises:
        InputError: no function has a docstring that suggests a question.
    """
    documented = [r for r in records if r.docstring]
    if not documented:
        msg = (f"none of the {len(records)} functions has a docstring, so there is nothing to write questions "
               "from; document some functions or train on labelled pairs (pairs:FILE.json)")
        raise InputError(msg)
    filter_name = f"{filter_encoder.name}|{filter_encoder.adapter}" if filter_encoder is not None else "none"
    key = cache_key(documented, per_function=per_function, seed=seed, document=document, filter_name=filter_name,
                    filter_top_k=filter_top_k if filter_encoder is not None else 0)
    path = Path(cache_dir) / f"questions-{key}.json"
    if path.is_file():
        stats = json.loads(path.with_suffix(".stats.json").read_text())
        logger.info("reusing %d synthetic questions from %s", stats["questions"], path)
        return SyntheticQuestions(path=path, reused=True, **stats)
    made = list(rewrite_corpus(documented, per_function=per_function, seed=seed))
    if not made:
        msg = (f"none of the {len(documented)} docstrings suggests a question (constructors, tests and one-word "
               "docstrings give none); train on labelled pairs (pairs:FILE.json) instead")
        raise InputError(msg)
    keep = [True] * len(made)
    if filter_encoder is not None:
        position = {id(r): i for i, r in enumerate(documented)}
        keep = keep_consistent([q for _, q in made], [position[id(r)] for r, _ in made],
                               [document_text(r, document) for r in documented], filter_encoder, filter_top_k)
    rows = [{"doc": question, "code": record.code, "docstring": record.docstring, "label": 1,
             "repo": record.repo, "path": record.path, "func_name": record.func_name}
            for (record, question), kept in zip(made, keep, strict=True) if kept]
    if not rows:
        msg = f"the filter kept none of {len(made)} questions; raise filter_top_k (now {filter_top_k})"
        raise InputError(msg)
    stats = {"functions": len(documented), "questions": len(rows), "filtered_out": len(made) - len(rows)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(rows, ensure_ascii=False))
    path.with_suffix(".stats.json").write_text(json.dumps(stats))
    tmp.replace(path)  # last: its presence marks the cache complete
    logger.info("wrote %d synthetic questions for %d functions (%d filtered out) to %s", len(rows), len(documented),
                stats["filtered_out"], path)
    return SyntheticQuestions(path=path, reused=False, **stats)
