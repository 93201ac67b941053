"""The Chroma index of a code corpus for one retriever: incremental, idempotent, resumable.

Ids are content hashes of (repo, path, func_name, code, docstring): re-indexing an unchanged tree adds
nothing, an edited function gets a new id (its old one is deleted), a deleted function leaves the index, and
moved line numbers only update metadata. Batches are written one at a time, so an interrupted build keeps
what it wrote and the next run adds only the rest. One collection per (corpus, retriever); its metadata
records the retriever's fingerprint so a query never mixes embedding spaces. Does not handle: mining
(see `data.miner`) or generation.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from data.cli import InputError
from data.documents import DEFAULT_DOCUMENT, check_document_format, document_text
from data.records import Record
from rag.options import StoreOptions
from rag.store.source import IndexStats, Source, record_id
from retriever_finetune.encoder import Encoder
from retriever_finetune.spec import RetrieverSpec

logger = logging.getLogger(__name__)

CHROMA_BATCH = 1024  # functions encoded and written together: sorted by length inside it, so batches pad little
# (`python bench/index_padding.py`), and what an interruption loses is one such chunk


def retriever_fingerprint(spec: RetrieverSpec) -> str:
    """Identifies the embedding space: base plus the adapter's weights (size and content hash)."""
    parts = [spec.base, *([f"dim={spec.dim}"] if spec.dim else [])]
    folder = spec.adapter or spec.run_dir
    if folder:
        for weights in sorted(Path(folder).rglob("*.safetensors")):
            parts.append(hashlib.sha1(weights.read_bytes()).hexdigest()[:16])
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


INDEX_CONTENTS = "functions+classes-v5"
"""What an index holds and how it embeds it: bumping it when either changes names a new collection, so an index
built before is rebuilt on first use instead of being half old, half new."""


def collection_name(corpus_paths: Sequence[str], spec: RetrieverSpec, document: str = DEFAULT_DOCUMENT) -> str:
    """`<corpus>-<retriever>-<hash>`: 3-512 chars of [a-zA-Z0-9._-], as Chroma requires."""
    corpus = "+".join(sorted(Path(p).resolve().name for p in corpus_paths)) or "corpus"
    digest = hashlib.sha1(("|".join(sorted(str(Path(p).resolve()) for p in corpus_paths)) + "|" + spec.label
                           + "|" + document + "|" + INDEX_CONTENTS).encode()).hexdigest()[:8]
    name = re.sub(r"[^a-zA-Z0-9._-]+", "_", f"{corpus}-{spec.label}")[:400].strip("._-")
    return f"{name}-{digest}"


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (``localhost`` or a loopback address): traffic to it stays here."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def store_client(store: StoreOptions):  # noqa: ANN201
    """The Chroma client of `store`: embedded under its `persist` folder, or the server's."""
    return open_client(store.persist, host=store.chroma_host or None, port=store.chroma_port, ssl=store.chroma_ssl,
                       token=store.chroma_token)


def open_client(persist: str | Path, *, host: str | None = None, port: int = 8000, ssl: bool = False,  # noqa: ANN201
                token: str = ""):
    """An embedded persistent Chroma client, or an HTTP(S) client for a Chroma server (telemetry off), sending
    `token` with every request (Chroma's token authentication) when given."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if host:
        if token:
            settings = Settings(anonymized_telemetry=False, chroma_client_auth_credentials=token,
                                chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider")
        if not ssl and not is_loopback(host):
            logger.warning("the Chroma server at %s:%d is reached over plain HTTP: the code and questions cross the "
                           "network unencrypted%s; pass --chroma_ssl if it serves HTTPS", host, port,
                           ", the token too" if token else "")
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
            client.heartbeat()
        except Exception as error:  # the client raises several unrelated types for a dead server
            msg = f"could not reach the Chroma server at {host}:{port}: {str(error).splitlines()[0]}"
            raise InputError(msg) from None
        return client
    Path(persist).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist), settings=settings)


ENTRIES_PAGE = 10_000  # entries read by one `get` (`CodeIndex.pages`)
SCOPED_READ_FILES = 200  # up to this many changed files, a sync reads only their entries (by path)
def _source(id_: str, code: str, meta: dict, score: float) -> Source:
    return Source(id=id_, repo=meta["repo"], path=meta["path"], func_name=meta["func_name"], language=meta["language"],
                  start_line=int(meta["start_line"]), url=meta["url"], code=code, docstring=meta["docstring"],
                  score=score, kind=meta.get("kind") or "function")


def _metadata(record: Record) -> dict[str, str | int]:
    return {"repo": record.repo, "path": record.path, "func_name": record.func_name, "language": record.language,
            "start_line": record.start_line or 0, "url": record.url, "docstring": record.docstring, "kind": record.kind}


class CodeIndex:
    """A Chroma collection of functions embedded by one retriever."""

    def __init__(self, client, name: str, spec: RetrieverSpec, *, document: str = DEFAULT_DOCUMENT,  # noqa: ANN001
                 create: bool = True) -> None:
        self.name = name
        self.spec = spec
        self.document = check_document_format(document)
        fingerprint = retriever_fingerprint(spec)
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        if name not in existing and not create:
            retriever = f" --retriever {spec.text}" if spec.text else ""
            msg = f"no index {name!r} yet; build it with `python -m rag.index PATH...{retriever}`"
            raise InputError(msg)
        if name in existing:
            collection = client.get_collection(name, embedding_function=None)
            built_with = (collection.metadata or {}).get("retriever_fingerprint")
            if built_with != fingerprint:
                msg = (f"index {name!r} was built with retriever {(collection.metadata or {}).get('retriever')!r} "
                       f"(fingerprint {built_with}), not {spec.label!r} (fingerprint {fingerprint}); "
                       "re-index with --rebuild or ask with the retriever it was built with")
                raise InputError(msg)
            built_from = (collection.metadata or {}).get("document", "code")
            if built_from != document:
                msg = (f"index {name!r} embeds {built_from!r}, not {document!r}; "
                       f"ask with --document {built_from} or re-index with --rebuild")
                raise InputError(msg)
        else:
            collection = client.create_collection(
                name, embedding_function=None,
                metadata={"hnsw:space": "cosine", "retriever": spec.label, "retriever_base": spec.base,
                          "retriever_adapter": spec.adapter or "", "retriever_fingerprint": fingerprint,
                          "document": document})
        self.collection = collection
        self._entries: tuple[list[str], list[dict]] | None = None  # every id and metadata, read once (see `entries`)

    def entries(self) -> tuple[list[str], list[dict]]:
        """Every entry's id and metadata (read page by page, kept until this object next changes the collection)."""
        if self._entries is None:
            ids: list[str] = []
            metadatas: list[dict] = []
            for got in self.pages(["metadatas"]):
                ids += got["ids"]
                metadatas += got["metadatas"]
            self._entries = (ids, metadatas)
        return self._entries

    def pages(self, include: list[str]) -> Iterator[dict]:
        """Every entry, `include` and ids, one `get` of `ENTRIES_PAGE` entries after another.

        Pages, because Chroma reads the metadata of one `get` with one SQL statement holding every id: past
        32,766 entries SQLite refuses it ("too many SQL variables"; met on a 38,000-function index)."""
        read = 0
        while True:
            got = self.collection.get(include=include, limit=ENTRIES_PAGE, offset=read)
            yield got
            read += len(got["ids"])
            if len(got["ids"]) < ENTRIES_PAGE:
                return

    def _entries_of(self, scope: set[tuple[str, str]] | None) -> dict[str, dict]:
        """id → metadata of the entries of the files in `scope` ((repo, path) pairs; None: every entry). A
        scope of a few files is read by path alone; a large one with every entry (one `$in` per file would pass
        SQLite's variable limit)."""
        if scope is None or len(scope) > SCOPED_READ_FILES:
            return {id_: meta for id_, meta in zip(*self.entries(), strict=True)
                    if scope is None or (meta["repo"], meta["path"]) in scope}
        paths = sorted({path for _, path in scope})
        got = self.collection.get(where={"path": {"$in": paths}}, include=["metadatas"])
        return {id_: meta for id_, meta in zip(got["ids"], got["metadatas"], strict=True)
                if meta is not None and (meta["repo"], meta["path"]) in scope}

    def forget_entries(self) -> None:
        """Drop what was read of the collection: another writer has changed it."""
        self._entries = None

    def count(self) -> int:
        """Functions in the index."""
        return self.collection.count()

    def sync(self, records: Sequence[Record], encoder: Encoder, *, batch_size: int = CHROMA_BATCH,
             show_progress: bool | None = None, scope: set[tuple[str, str]] | None = None) -> IndexStats:
        """Make the collection hold exactly `records`: add new, delete gone, refresh moved metadata. With
        `scope` ((repo, path) of files), only those files' entries are compared (the rest is left as it is)."""
        wanted = {record_id(r): r for r in records}
        self._entries = None  # read afresh: another writer may have changed the collection
        existing = self._entries_of(scope)
        self._entries = None  # this pass changes it
        stats = IndexStats(collection=self.name)
        to_add = [i for i in wanted if i not in existing]
        refresh = [i for i in wanted if i in existing and existing[i] != _metadata(wanted[i])]
        if show_progress is None:
            show_progress = logger.isEnabledFor(logging.INFO)
        with tqdm(total=len(to_add), desc=f"Indexing {self.name}", unit="fn", disable=not show_progress) as bar:
            for start in range(0, len(to_add), batch_size):
                ids = to_add[start : start + batch_size]
                batch = [wanted[i] for i in ids]
                vectors = encoder.encode_code([document_text(r, self.document) for r in batch], show_progress=False,
                                              on_batch=bar.update)  # the bar moves with every encoder batch
                try:
                    self.collection.add(ids=ids, embeddings=vectors, documents=[r.code for r in batch],
                                        metadatas=[_metadata(r) for r in batch])
                except Exception as error:  # a server that went away raises connection errors of several kinds
                    msg = (f"writing to index {self.name!r} failed after {stats.added} of {len(to_add)} new functions "
                           f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); what was "
                           "written is kept: run the same command again (once the store is back) to add the rest")
                    raise InputError(msg) from None
                stats.added += len(ids)
        gone = [i for i in existing if i not in wanted]
        for start in range(0, len(gone), batch_size):
            self.collection.delete(ids=gone[start : start + batch_size])
        stats.deleted = len(gone)
        for start in range(0, len(refresh), batch_size):
            ids = refresh[start : start + batch_size]
            self.collection.update(ids=ids, metadatas=[_metadata(wanted[i]) for i in ids])
        stats.updated = len(refresh)
        stats.unchanged = len(wanted) - stats.added - stats.updated
        stats.total = self.count()
        if scope is not None:
            stats.unchanged = stats.total - stats.added - stats.updated  # the files outside the scope too
        return stats

    def search(self, query_vector: np.ndarray, k: int, language: str | None = None,
               kinds: Sequence[str] = ()) -> list[Source]:
        """The k nearest entries to a query vector (cosine), best first; of one language, and of some kinds
        (`data.languages.KINDS`), when given."""
        if self.count() == 0:
            msg = f"index {self.name!r} is empty; build it with `python -m rag.index PATH...`"
            raise InputError(msg)
        conditions = [*([{"language": language}] if language else []),
                      *([{"kind": {"$in": list(kinds)}}] if kinds else [])]
        where = conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else None
        got = self.collection.query(query_embeddings=[np.asarray(query_vector, dtype=np.float32)],
                                    n_results=min(k, self.count()), include=["documents", "metadatas", "distances"],
                                    where=where)
        # an entry another process deleted can linger in this process's copy of the vector index (embedded
        # Chroma keeps it in memory) with no document or metadata left: it is gone, so it is left out
        return [_source(id_, code, meta, 1.0 - float(distance)) for id_, code, meta, distance in
                zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
                if meta is not None]

    def fetch(self, ids: Sequence[str], query_vector: np.ndarray) -> list[Source]:
        """The entries with these ids (in that order; unknown ids are left out), scored by cosine similarity to
        the query vector as `search` would score them. An entry another process added after this one read the
        collection's vectors is left out too (embedded Chroma keeps each process's copy of the vectors)."""
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        vectors = self._vectors(got["ids"])
        query = np.asarray(query_vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        found = {}
        for id_, code, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            if meta is None or id_ not in vectors:
                continue
            vector = vectors[id_]
            found[id_] = _source(id_, code, meta, float(vector @ query / (np.linalg.norm(vector) or 1.0)))
        return [found[i] for i in ids if i in found]

    def _vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """id → vector of the entries whose vectors this process can read (see `fetch`)."""
        from chromadb.errors import ChromaError

        def read(some: list[str]) -> dict[str, np.ndarray]:
            got = self.collection.get(ids=some, include=["embeddings"])
            return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

        if not ids:
            return {}
        try:
            return read(list(ids))
        except ChromaError:  # "Error finding id": one of them was added by another process; read them one by one
            vectors: dict[str, np.ndarray] = {}
            for id_ in ids:
                with contextlib.suppress(ChromaError):
                    vectors.update(read([id_]))
            logger.debug("%d of %d entries were added by another process since this one read %s; left out",
                         len(ids) - len(vectors), len(ids), self.name)
            return vectors

    def parts(self) -> list[tuple[str | None, CodeIndex]]:
        """One part that holds every language (`searchable.SearchIndex`)."""
        return [(None, self)]

    def name_entries(self) -> list[tuple[str, str, str, str]]:
        """``(repo, path, func_name, language)`` of every indexed function and class."""
        return [(m["repo"], m["path"], m["func_name"], m["language"]) for m in self.entries()[1]]
