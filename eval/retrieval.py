"""Text→code retrieval evaluation of one retriever on a test pool, per language, with an embedding cache.

Protocols: ``csn`` (CodeSearchNet: each query against its own code plus 999 distractors drawn from the same
language's pool, fixed seed), ``full`` (each query against the whole pool of its language) and ``codebase``
(queries against a separate code base, as CoSQA, AdvTest and GraphCodeBERT's filtered CodeSearchNet define
it; see `data.codebase`). Each distinct text is encoded once per retriever and cached on disk. Does not
handle: answer generation (see `rouge`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from data.cli import InputError
from data.codebase import CodeBaseBenchmark
from data.records import Record
from eval.metrics import positive_ranks, summarize

logger = logging.getLogger(__name__)

Protocol = Literal["csn", "full", "codebase"]
CSN_DISTRACTORS = 999


def distractor_indices(pool_size: int, query_index: int, rng: np.random.Generator,
                       count: int = CSN_DISTRACTORS) -> np.ndarray:
    """`count` distinct indices of the pool, never `query_index` (so the query's own code appears once)."""
    if pool_size - 1 < count:
        msg = f"need {count} distractors but the pool has only {pool_size - 1} other functions"
        raise InputError(msg)
    picks = rng.choice(pool_size - 1, size=count, replace=False)
    return picks + (picks >= query_index)  # skip over the query's own position


def cached_encode(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str], *, key: str,
                  cache_dir: Path | None) -> np.ndarray:
    """Encode the distinct texts once (reusing an on-disk cache keyed by retriever and texts); rows follow `texts`."""
    distinct = sorted(set(texts))
    digest = hashlib.sha1(("\x00".join([key, *distinct])).encode("utf-8")).hexdigest()[:20]
    path = cache_dir / f"{digest}.npy" if cache_dir else None
    if path is not None and path.is_file():
        vectors = np.load(path)
    else:
        vectors = encode(distinct)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".partial.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[t] for t in texts]]


def evaluate_pool(query_vectors: np.ndarray, code_vectors: np.ndarray, protocol: Protocol, seed: int
                  ) -> dict[str, float]:
    """Metrics when query i's answer is code i of the pool."""
    n = len(query_vectors)
    if protocol == "full":
        return summarize(positive_ranks(query_vectors @ code_vectors.T, np.arange(n)))
    rng = np.random.default_rng(seed)
    ranks = np.empty(n, dtype=np.int64)
    for i in range(n):
        candidates = np.concatenate([[i], distractor_indices(n, i, rng)])  # own code first
        scores = code_vectors[candidates] @ query_vectors[i]  # (1000,)
        ranks[i] = positive_ranks(scores[None, :], np.array([0]))[0]
    return summarize(ranks)


def group_by_language(records: list[Record], languages: Sequence[str] | None, protocol: Protocol
                      ) -> dict[str, list[Record]]:
    """Records per language, checking each requested language has enough for the protocol."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(record.language, []).append(record)
    if languages:
        missing = [lang for lang in languages if lang not in groups]
        if missing:
            msg = f"no records for {', '.join(missing)} in the data; it has {', '.join(sorted(groups))}"
            raise InputError(msg)
        groups = {lang: groups[lang] for lang in languages}
    if protocol == "csn":
        small = {lang: len(members) for lang, members in groups.items() if len(members) < CSN_DISTRACTORS + 1}
        if small:
            listed = ", ".join(f"{lang}: {n}" for lang, n in sorted(small.items()))
            msg = (f"the csn protocol ranks each query against its code plus {CSN_DISTRACTORS} distractors, so it "
                   f"needs at least {CSN_DISTRACTORS + 1} records per language ({listed}); "
                   "use --protocol full to rank against the whole pool instead")
            raise InputError(msg)
    return dict(sorted(groups.items()))


Encode = Callable[[list[str]], np.ndarray]


def evaluate_retriever(encoders: Callable[[str], tuple[Encode, Encode]], groups: dict[str, list[Record]], *,
                       protocol: Protocol, seed: int, cache_key: str, cache_dir: Path | None) -> dict[str, dict]:
    """Per-language metrics of one retriever (plus ``average``: the unweighted mean over languages);
    `encoders(language)` gives the (question, code) encoding functions of that language's encoder."""
    results: dict[str, dict] = {}
    for language, members in groups.items():
        encode_queries, encode_code = encoders(language)
        queries = cached_encode(encode_queries, [r.docstring for r in members], key=f"{cache_key}|q", cache_dir=cache_dir)
        codes = cached_encode(encode_code, [r.code for r in members], key=f"{cache_key}|c", cache_dir=cache_dir)
        results[language] = evaluate_pool(queries, codes, protocol, seed)
        logger.info("%s %s: MRR %.4f", cache_key.split("|")[0], language, results[language]["mrr"])
    keys = [k for k in next(iter(results.values())) if k != "queries"]
    results["average"] = {k: float(np.mean([results[lang][k] for lang in groups])) for k in keys}
    results["average"]["queries"] = int(sum(results[lang]["queries"] for lang in groups))
    return results


def evaluate_codebase(encode_queries: Encode, encode_code: Encode, benchmark: CodeBaseBenchmark, *,
                      cache_key: str, cache_dir: Path | None, code_cache_key: str | None = None) -> dict[str, float]:
    """Metrics when every query is ranked against the whole code base (ties count against the query; with several
    correct answers, the best-ranked one counts), with each query's rank under ``ranks``. `code_cache_key`: the
    key the code vectors are cached under when another retriever's are the same (a query-side adapter's are its
    frozen base's)."""
    queries = cached_encode(encode_queries, benchmark.queries, key=f"{cache_key}|q", cache_dir=cache_dir)
    codes = cached_encode(encode_code, benchmark.codes, key=f"{code_cache_key or cache_key}|c", cache_dir=cache_dir)
    scores = queries @ codes.T  # (n_queries, n_codes)
    rows = benchmark.all_answer_positions()
    ranks = np.full(len(rows), np.iinfo(np.int64).max)  # (n_queries,): the best-ranked correct answer's rank
    for column in range(max(len(r) for r in rows)):
        has = np.array([len(r) > column for r in rows])
        picked = np.array([r[column] if len(r) > column else r[0] for r in rows])
        ranks = np.where(has, np.minimum(ranks, positive_ranks(scores, picked)), ranks)
    result = summarize(ranks)
    result["ranks"] = ranks.tolist()  # per query, for paired comparisons between retrievers
    logger.info("%s code base: MRR %.4f", cache_key.split("|")[0], result["mrr"])
    return result
