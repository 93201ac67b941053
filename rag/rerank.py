"""Rerank retrieved functions by how likely a local causal LM finds the question, given each function.

Unsupervised passage reranking (UPR; Sachan et al., 2022, "Improving Passage Retrieval with Zero-Shot
Question Generation"): each candidate is scored by the mean log-probability of the question's tokens after
the prompt in `prompts/rerank.txt` holding the function's docstring and code. No training and no extra
weights: the default is the packaged Gemma 3 270M that also writes the answer. The first stage brings the
candidates; the final order fuses its score (the cosine, or the hybrid score of hybrid search) with the LM's,
each standardised over the candidate list (z-scores): ``(1 - fusion_weight) * z(first) + fusion_weight *
z(lm)``, as UPR's own experiments interpolate the two (weight 1 is the LM alone). Then the other direction: how
likely the LM finds each candidate's name as the answer (`prompts/rerank_name.txt`: "Python. To parse json, use
`json.loads`"), the mean log-probability of the name and its closing backtick; a base LM has read the callers of
common APIs, so this carries how much code uses a name. The final order is ``(1 - name_weight) * z(fused) +
name_weight * z(name)`` (docs/RESULTS.md, issue 46); a section or configuration window has no name and scores
the candidates' mean; with the names asked, a method (``Class.method``) then scores `method_penalty` lower: a
library's entry points are its module-level functions and classes; and a definition central in its code base
(its PageRank over the references between definitions, `data.references`, stored with the index and set on each
source by the retriever) scores `reference_weight` × its z-score over the candidates higher (a source without a
rank scores their mean: neutral, as on an index without stored ranks). Last, the first `lead` sources of that order
(the five an answer shows) are ordered among themselves by the same fusion with the name's likelihood as a whole
(summed over its tokens, not averaged): the mean chooses the five, the whole likelihood, which favours the short
names code calls (`copy.deepcopy` over `collections.OrderedDict.copy`), chooses which of them leads; the rest
follow in their order, their scores lowered together below the first five's. Off (0) unless asked for:
`rag.options.SearchOptions.name_weight` turns it on for the standard library, where it raised precision at 1, and
leaves it off on a user's code base, where it did not.
Does not handle: the first-stage search (see `rag.search`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

from data.cli import InputError
from data.documents import document_text, is_code_unit, is_method, title
from data.languages import language_in_prose
from rag.generation import Generator, HuggingFaceGenerator, load_generator
from rag.generation.batched import cache_argument, left_pad
from rag.options import (
    DEFAULT_CANDIDATES,
    DEFAULT_FUSION_WEIGHT,
    GeneratorOptions,
    check_reranker_spec,
)
from rag.prompts import read_prompt
from rag.search.lexical import fused_order, standardised
from rag.store import Source

DEFAULT_PASSAGE_TOKENS = 128
METHOD_PENALTY = 0.1  # with the names asked: a library's entry points are its functions and classes, not methods
REFERENCE_WEIGHT = 0.1  # with the names asked: how much how central a definition is (z over the candidates) counts
LEAD = 5  # with the names asked: the first five are ordered among themselves by each name's whole likelihood
LEAD_GAP = 1e-3  # how far below the first `LEAD` the rest's scores start, where they would otherwise reach them
SCORES_KEPT = 4096  # scores remembered by their exact tokens: a question asked again is not scored again


class QueryLikelihoodReranker:
    """Orders sources by log P(question | function) under a local causal LM (batched, left-padded)."""

    def __init__(self, generator: HuggingFaceGenerator, *, candidates: int = DEFAULT_CANDIDATES,
                 passage_tokens: int = DEFAULT_PASSAGE_TOKENS, batch_size: int = 10,
                 fusion_weight: float = DEFAULT_FUSION_WEIGHT, name_weight: float = 0.0,
                 method_penalty: float = METHOD_PENALTY, lead: int = LEAD,
                 reference_weight: float = REFERENCE_WEIGHT) -> None:
        if candidates <= 0 or passage_tokens <= 0 or batch_size <= 0 or lead < 0:
            msg = "rerank candidates, passage tokens and batch size must be positive, and the lead not negative"
            raise InputError(msg)
        if not 0 <= fusion_weight <= 1:
            msg = f"rerank fusion weight must be in [0, 1] (0: dense order, 1: LM alone), got {fusion_weight}"
            raise InputError(msg)
        if not 0 <= name_weight <= 1:
            msg = f"rerank name weight must be in [0, 1] (0: names not asked, 1: the name alone), got {name_weight}"
            raise InputError(msg)
        self.generator = generator
        self.model, self.tokenizer, self.device = generator.model, generator.tokenizer, generator.device
        self.precision = generator.precision  # scoring runs on the bf16 weights where it measured faster
        self.candidates, self.passage_tokens, self.batch_size = candidates, passage_tokens, batch_size
        self.fusion_weight, self.name_weight, self.method_penalty = fusion_weight, name_weight, method_penalty
        self.lead, self.reference_weight = lead, reference_weight
        self.template, self.name_template = read_prompt("rerank"), read_prompt("rerank_name")
        self._scores: OrderedDict[tuple[int, ...], float] = OrderedDict()  # by prompt + question tokens
        self._pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self._head_is_plain: bool | None = None  # the LM head alone gives the model's logits (`_prefixed_log_probs`)

    @property
    def uses_reference_ranks(self) -> bool:
        """Whether the final order reads each source's `reference_rank` (the retriever then sets it)."""
        return bool(self.name_weight and self.reference_weight)

    def prompt_ids(self, source: Source) -> list[int]:
        """Token ids of the prompt for one source: its docstring and code, cut to `passage_tokens`."""
        text = document_text(source, "docstring+code")
        passage = self.tokenizer(text, add_special_tokens=False)["input_ids"][: self.passage_tokens]
        what = {"section": "documentation", "config": "configuration"}.get(source.kind, "code")
        prompt = self.template.format(language=language_in_prose(source.language), what=what, passage=self.tokenizer.decode(passage))
        return self.tokenizer(prompt.rstrip("\n"))["input_ids"]

    def score(self, question: str, sources: Sequence[Source]) -> list[float]:
        """Mean log-probability of the question's tokens after each source's prompt (remembered by their tokens,
        so a question asked again over the same candidates costs no model call)."""
        question_ids = self.tokenizer(" " + question.strip(), add_special_tokens=False)["input_ids"]
        if not question_ids:
            msg = "the question has no tokens to score"
            raise InputError(msg)
        return self._mean_log_probs([tuple(self.prompt_ids(s) + question_ids) for s in sources],
                                    [len(question_ids)] * len(sources))

    def name_scores(self, question: str, sources: Sequence[Source], *, whole: bool = False) -> list[float | None]:
        """Mean log-probability of each function's or class's name (`title`, else its own name) and its closing
        backtick after `prompts/rerank_name.txt` with the question (`whole`: summed over those tokens, the name's
        likelihood as a whole); None for a source without a name (a section, a configuration window, a script)."""
        return [None if n is None else n[0] * n[1] if whole else n[0] for n in self._name_log_probs(question, sources)]

    def _name_log_probs(self, question: str, sources: Sequence[Source]) -> list[tuple[float, int] | None]:
        """Each source's name: the mean log-probability of its tokens and how many tokens (`name_scores`)."""
        names = [(title(s) or s.func_name) if is_code_unit(s) else "" for s in sources]
        groups: dict[str, list[str]] = {}  # the names asked after each language's prompt
        for source, name in zip(sources, names, strict=True):
            if name:
                groups.setdefault(language_in_prose(source.language), []).append(name)
        found: dict[tuple[str, str], tuple[float, int]] = {}
        for language, asked in groups.items():
            distinct = list(dict.fromkeys(asked))
            text = self.name_template.format(language=language, question=question.strip().rstrip("?"))
            endings = [self.tokenizer(n + "`", add_special_tokens=False)["input_ids"] for n in distinct]
            means = self._prefixed_log_probs(self.tokenizer(text)["input_ids"], endings)
            found.update(((language, n), (mean, len(end)))
                         for n, mean, end in zip(distinct, means, endings, strict=True))
        return [found[language_in_prose(s.language), n] if n else None for s, n in zip(sources, names, strict=True)]

    def _prefixed_log_probs(self, prompt: list[int], endings: list[list[int]]) -> list[float]:
        """Mean log-probability of each ending's tokens after the one shared `prompt`, remembered by the row's
        tokens like `_mean_log_probs`. The prompt runs once and its KV cache is repeated for the endings
        (right-padded: causal attention alone keeps the padding out of every real token). The LM head, most of
        the cost with a large vocabulary, runs once per distinct beginning of an ending: ``json.loads`` and
        ``json.dumps`` share the distribution after ``json.``. Falls back to `_mean_log_probs` on the whole rows
        for a model whose head is more than its output embeddings and a final soft cap."""
        import torch
        from transformers import DynamicCache

        if self._head_is_plain is False:
            return self._mean_log_probs([tuple(prompt + end) for end in endings], [len(e) for e in endings])
        keys = [(len(end), *prompt, *end) for end in endings]
        missing = {key: end for key, end in zip(keys, endings, strict=True) if key not in self._scores}
        if missing:
            model = self._scoring_model()
            decoder = model.get_decoder()
            cache_name = cache_argument(decoder)
            ids = torch.tensor([prompt], device=self.device)
            with torch.inference_mode():
                cache = DynamicCache(config=model.config)
                states = [decoder(input_ids=ids, use_cache=True, **{cache_name: cache}).last_hidden_state[0, -1:]]
                if self._head_is_plain is None:  # once: does the head alone give the model's own logits?
                    own = model(input_ids=ids, logits_to_keep=1).logits[0, -1:].float()
                    self._head_is_plain = torch.allclose(self._head(model, states[0]), own, atol=1e-3, rtol=1e-3)
                    if not self._head_is_plain:
                        return self._prefixed_log_probs(prompt, endings)  # on whole rows, as from now on
                where: dict[tuple[int, ...], int] = {(): 0}  # each distinct beginning: its row of `states`
                ends = list(missing.values())
                longest = max(map(len, ends))
                if longest > 1:
                    rows = torch.full((len(ends), longest - 1), self._pad_id, dtype=torch.long, device=self.device)
                    for i, end in enumerate(ends):
                        rows[i, : len(end) - 1] = torch.tensor(end[:-1], dtype=torch.long)
                    cache.batch_repeat_interleave(len(ends))
                    hidden = decoder(input_ids=rows, use_cache=True, **{cache_name: cache}).last_hidden_state
                    picked: list[tuple[int, int]] = []  # (row, column) of each distinct beginning's last token
                    for i, end in enumerate(ends):
                        for j in range(1, len(end)):
                            if tuple(end[:j]) not in where:
                                where[tuple(end[:j])] = len(where)
                                picked.append((i, j - 1))
                    states.append(hidden[[i for i, _ in picked], [j for _, j in picked]])
                log_probs = torch.log_softmax(self._head(model, torch.cat(states)), -1)
            for key, end in missing.items():
                self._scores[key] = sum(log_probs[where[tuple(end[:j])], end[j]].item()
                                        for j in range(len(end))) / len(end)
        scores = [self._scores[key] for key in keys]
        self._forget_oldest()
        return scores

    def _scoring_model(self) -> object:
        """The model that scores: the generator's bf16 copy of the weights where the precision policy gives the
        rerank bf16 (no cast of every weight at every call, as autocast does), else its own weights."""
        return self.generator.bf16_model() if self.precision.uses_bf16("rerank") else self.model

    @staticmethod
    def _head(model: object, states: object) -> object:
        """float32 logits of the LM head for hidden `states` (rows, hidden), with the final soft cap of models
        that have one (Gemma 2 and 3)."""
        import torch

        logits = model.get_output_embeddings()(states).float()
        cap = getattr(model.config.get_text_config(), "final_logit_softcapping", None)
        return torch.tanh(logits / cap) * cap if cap else logits

    def _mean_log_probs(self, rows: list[tuple[int, ...]], lengths: list[int]) -> list[float]:
        """Mean log-probability of the last `lengths[i]` tokens of each row given the tokens before them (batched,
        left-padded; remembered by the row's tokens, so a question asked again costs no model call)."""
        import torch

        keys = [(n, *row) for row, n in zip(rows, lengths, strict=True)]
        missing = [key for key in dict.fromkeys(keys) if key not in self._scores]
        model = self._scoring_model()
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start: start + self.batch_size]
            longest = max(key[0] for key in batch)
            ids, mask, positions = left_pad([list(key[1:]) for key in batch], self._pad_id, self.device)  # targets last
            with torch.inference_mode():
                logits = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                               logits_to_keep=longest + 1).logits[:, :-1].float()
            log_probs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, -longest:].unsqueeze(-1)).squeeze(-1)
            self._scores.update((key, log_probs[i, longest - key[0]:].mean().item()) for i, key in enumerate(batch))
        scores = [self._scores[key] for key in keys]
        self._forget_oldest()
        return scores

    def _forget_oldest(self) -> None:
        while len(self._scores) > SCORES_KEPT:
            self._scores.popitem(last=False)

    def rerank(self, question: str, sources: Sequence[Source], k: int) -> list[Source]:
        """The k best sources by fused dense and LM score, then their names' likelihood (`name_weight`; the first
        `lead` ordered among themselves by its whole likelihood), each with its LM `rerank_score`, `name_score`
        (the mean) and the `fused_score` that ordered it."""
        if not sources:
            return []
        lm_scores = self.score(question, sources)
        order, fused = fused_order([s.first_stage_score for s in sources], lm_scores, self.fusion_weight)
        names: list[float | None] = [None] * len(sources)
        if self.name_weight:
            likelihoods = self._name_log_probs(question, sources)
            names = [None if n is None else n[0] for n in likelihoods]
            first, final = self._with_names(sources, fused, names)
            if self.lead > 1:
                wholes = [None if n is None else n[0] * n[1] for n in likelihoods]
                order, fused = self._lead_by_whole(first, final, self._with_names(sources, fused, wholes)[1])
            else:
                order, fused = first, final
        scored = [replace(s, rerank_score=v, name_score=n, fused_score=f)
                  for s, v, n, f in zip(sources, lm_scores, names, fused, strict=True)]
        return [scored[i] for i in order[:k]]

    def _with_names(self, sources: Sequence[Source], fused: list[float],
                    names: list[float | None]) -> tuple[list[int], list[float]]:
        """The order and scores of `fused` with the `names` fused in (a source without a name scores their mean:
        neither raised nor lowered), a method then `method_penalty` lower and each source `reference_weight` ×
        the z-score of its reference rank higher (none: the mean)."""
        _, scores = fused_order(fused, with_mean(names), self.name_weight)
        ranks = standardised(with_mean([s.reference_rank for s in sources]))
        scores = [f - self.method_penalty * is_method(s) + self.reference_weight * r
                  for s, f, r in zip(sources, scores, ranks, strict=True)]
        return sorted(range(len(scores)), key=lambda i: -scores[i]), scores

    def _lead_by_whole(self, order: list[int], scores: list[float],
                       whole_scores: list[float]) -> tuple[list[int], list[float]]:
        """The first `lead` of `order` reordered by `whole_scores`, which become their scores; the rest keep their
        order, their `scores` lowered together to stay below the first `lead`'s."""
        lead = sorted(order[: self.lead], key=lambda i: -whole_scores[i])
        final = list(scores)
        for i in lead:
            final[i] = whole_scores[i]
        rest = order[self.lead:]
        if rest:
            below = min(final[i] for i in lead) - max(final[i] for i in rest) - LEAD_GAP
            for i in rest:
                final[i] += min(below, 0.0)
        return lead + rest, final


def with_mean(values: Sequence[float | None]) -> list[float]:
    """`values` with each None replaced by the mean of the others (0 when there are none): neither raised nor
    lowered."""
    known = [v for v in values if v is not None]
    middle = sum(known) / len(known) if known else 0.0
    return [middle if v is None else v for v in values]


def load_reranker(spec: str, options: GeneratorOptions | None = None, *, reuse: Generator | None = None,
                  candidates: int = DEFAULT_CANDIDATES, fusion_weight: float = DEFAULT_FUSION_WEIGHT,
                  name_weight: float = 0.0) -> QueryLikelihoodReranker | None:
    """The reranker for `spec` (None for ``none``). `reuse`: the already loaded generator of the same spec,
    whose weights are then shared instead of loaded twice."""
    check_reranker_spec(spec)
    if spec == "none":
        return None
    generator = reuse if reuse is not None else load_generator(spec, options)
    if not isinstance(generator, HuggingFaceGenerator):
        msg = f"reranker {spec!r} must be a local causal LM, got {generator.name!r}"
        raise InputError(msg)
    return QueryLikelihoodReranker(generator, candidates=candidates, fusion_weight=fusion_weight,
                                   name_weight=name_weight)
