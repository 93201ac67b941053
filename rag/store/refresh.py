"""Keep an index in step with its corpus: before a search, find the files added, changed or deleted since the
last build and re-mine and re-embed only those.

A manifest beside the index (`manifest_path`) holds each file's size, modification time and content hash, and
the (repo, path) its entries carry. A refresh stats every file of the corpus (the files `miner.source_files`
reads: inside git, what git tracks or could add), hashes only those whose stat changed, re-mines the files
whose content changed, and syncs just their entries (`CodeIndex.sync(scope=...)`): an unchanged file costs no
encoder call and no read. Without a manifest (or with other corpus options) the whole corpus is mined and
synced once (`build.build_search_index`, no re-embedding of what is already there), and the manifest written.
A per-language (routed) index keeps one manifest per language collection (`rag.search.open` refreshes each).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from data.cache import DEFAULT_CACHE
from data.corpus import corpus_rules
from data.miner import DEFAULT_EXCLUDED_DIRS, LANGUAGES, MINER_VERSION, mine_tree, source_files
from data.reading import read_bounded
from data.records import Record
from rag.store.chroma import CHROMA_BATCH, INDEX_CONTENTS, CodeIndex, store_client
from rag.store.lock import writer_lock
from rag.store.source import IndexStats

logger = logging.getLogger(__name__)

FileEntry = list  # [size, mtime_ns, sha1, repo, path]


def manifest_path(store: object, name: str) -> Path:
    """Where the manifest of collection `name` lives: beside an embedded store, or in the local cache for a
    server (a client without it refreshes by mining the whole corpus once)."""
    if getattr(store, "chroma_host", ""):
        return DEFAULT_CACHE / "manifests" / f"{store.chroma_host}_{store.chroma_port}" / f"{name}.json"
    return Path(store.persist) / "manifests" / f"{name}.json"


def corpus_options(paths: Sequence[str], exclude: Sequence[str], languages: Sequence[str], include_ignored: bool
                   ) -> dict:
    """What, besides the files, decides an index's contents: a manifest made with others is not reused (an index
    mined by another `MINER_VERSION` is synced in full once: its unchanged entries are kept)."""
    rules = corpus_rules(paths, languages)
    return {"paths": sorted(str(Path(p).resolve()) for p in paths), "exclude": sorted(exclude),
            "languages": list(rules.languages), "public_api_only": rules.public_api_only,
            "include_ignored": include_ignored, "contents": INDEX_CONTENTS, "miner": MINER_VERSION}


def corpus_files(paths: Sequence[str], exclude: Sequence[str], languages: Sequence[str], include_ignored: bool
                 ) -> dict[Path, tuple[str, str]]:
    """Every file the miner reads, with the (repo, path) its records carry."""
    excluded = DEFAULT_EXCLUDED_DIRS | set(exclude)
    wanted = frozenset(corpus_rules(paths, languages).languages or LANGUAGES)
    found: dict[Path, tuple[str, str]] = {}
    for path in paths:
        root = Path(path).resolve()
        if not root.exists():
            msg = f"corpus path does not exist: {path}"
            raise FileNotFoundError(msg)
        base = root.parent if root.is_file() else root
        for file in source_files(root, wanted, excluded, include_ignored=include_ignored):
            found[file] = (root.name, file.relative_to(base).as_posix())
    return found


def _digest(file: Path) -> str:
    """The content hash of a corpus file (read as the miner reads it: a file it would refuse hashes as refused)."""
    data = read_bounded(file)
    return hashlib.sha1(data if isinstance(data, bytes) else f"refused: {data}".encode()).hexdigest()


def write_manifest(store: object, name: str, options: dict, files: dict[str, FileEntry]) -> None:
    """Replace the manifest atomically (an interrupted write leaves the previous one)."""
    target = manifest_path(store, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps({"options": options, "files": files}), encoding="utf-8")
    os.replace(partial, target)


def current_manifest(paths: Sequence[str], exclude: Sequence[str], languages: Sequence[str], include_ignored: bool
                     ) -> dict[str, FileEntry]:
    """Every corpus file's entry, hashed (after a full build)."""
    entries = {}
    for file, (repo, relative) in corpus_files(paths, exclude, languages, include_ignored).items():
        try:
            stat = file.stat()
            entries[str(file)] = [stat.st_size, stat.st_mtime_ns, _digest(file), repo, relative]
        except OSError as error:  # unreadable, a symlink loop: the miner skips it too
            logger.warning("skipping %s: %s", file, error.strerror or error)
    return entries


def read_manifest(store: object, name: str) -> dict | None:
    """The manifest, or None when there is none or it cannot be read (the next refresh rebuilds it)."""
    target = manifest_path(store, name)
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def refresh_index(paths: Sequence[str], index: CodeIndex, encoder: object, store: object, *,
                  exclude: Sequence[str] = (), languages: Sequence[str] = (), include_ignored: bool = False,
                  batch_size: int = CHROMA_BATCH, lock: str = "") -> IndexStats | None:
    """Bring an existing index up to date with its corpus; None when the manifest is missing or was made with
    other options (the caller then builds the index in full). Logs one line of what changed. `lock`: the writer
    lock to hold (default: the index's own; one language of a per-language index holds the whole index's).

    The manifest is written only after the index holds the changes: a refresh that is interrupted (Ctrl-C, a
    crash) leaves the old manifest, so the next one finds the same files changed and completes the work
    (entries already added are kept, ids being content hashes; what is gone is deleted then)."""
    started = time.perf_counter()
    options = corpus_options(paths, exclude, languages, include_ignored)
    manifest = read_manifest(store, index.name)
    if manifest is None or manifest.get("options") != options:
        return None
    known: dict[str, FileEntry] = manifest["files"]
    fresh: dict[str, FileEntry] = {}
    changed: dict[Path, tuple[str, str]] = {}
    for file, (repo, relative) in corpus_files(paths, exclude, languages, include_ignored).items():
        try:
            stat = file.stat()
            old = known.get(str(file))
            if old is not None and old[0] == stat.st_size and old[1] == stat.st_mtime_ns:
                fresh[str(file)] = old
                continue
            digest = _digest(file)
        except OSError as error:  # unreadable, a symlink loop
            logger.warning("skipping %s: %s", file, error.strerror or error)
            continue
        fresh[str(file)] = [stat.st_size, stat.st_mtime_ns, digest, repo, relative]
        if old is None or old[2] != digest:
            changed[file] = (repo, relative)
    removed = {(entry[3], entry[4]) for path, entry in known.items() if path not in fresh}
    if not changed and not removed:
        if fresh != known:  # touched, same content
            write_manifest(store, index.name, options, fresh)
        logger.info("index up to date: %d files, %.1f s", len(fresh), time.perf_counter() - started)
        return IndexStats(collection=index.name, unchanged=index.count(), total=index.count())
    records: list[Record] = []
    rules = corpus_rules(paths, languages)
    for path in paths:
        root = Path(path).resolve()
        inside = frozenset(f for f in changed if f == root or root in f.parents)
        if inside:
            records += mine_tree(root, excluded_dirs=DEFAULT_EXCLUDED_DIRS | set(exclude),
                                 languages=frozenset(rules.languages) or None, documented_only=False,
                                 public_api_only=rules.public_api_only, include_ignored=include_ignored, only=inside,
                                 show_progress=False)
    client = store_client(store)
    with writer_lock(client, lock or index.name):
        stats = index.sync(records, encoder, scope=set(changed.values()) | removed, show_progress=False,
                           batch_size=batch_size)
    write_manifest(store, index.name, options, fresh)
    logger.info("index refreshed: %d files, +%d -%d ~%d functions, %.1f s", len(changed) + len(removed), stats.added,
                stats.deleted, stats.updated, time.perf_counter() - started)
    return stats
