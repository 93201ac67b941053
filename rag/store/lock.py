"""The one-writer lock of an index: an empty Chroma collection beside it, so it holds across processes and
machines that share a Chroma server. Does not handle: what is written under it (see `chroma`, `build`,
`refresh`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator

from data.cli import InputError

logger = logging.getLogger(__name__)


class IndexBusy(InputError):
    """Another live process holds the index's writer lock: wait for it, or read the index as it is."""


WRITER_LOCK_SUFFIX = "-writer-lock"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def writer_lock(client, name: str, *, break_lock: bool = False) -> Iterator[None]:  # noqa: ANN001
    """Hold the one-writer lock of collection `name` while the block runs.

    The lock is an empty collection ``<name>-writer-lock`` created in the same store, so it holds across
    processes and machines sharing a Chroma server (creating a collection that exists fails atomically). A
    lock left by a dead process of this machine is taken over; one held by a live process (or another
    machine's) makes the second writer refuse, unless `break_lock`.

    Raises:
        IndexBusy: another writer holds the lock.
    """
    lock = f"{name}{WRITER_LOCK_SUFFIX}"
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
    for attempt in range(2):
        try:
            client.create_collection(lock, metadata=owner, embedding_function=None)
            break
        except Exception as error:  # chromadb raises InternalError / UniqueConstraintError for "already exists"
            if "already exists" not in str(error) or attempt:
                raise
            holder = client.get_collection(lock, embedding_function=None).metadata or {}
            pid = int(holder.get("pid", 0))
            # a dead process's lock, or this process's own from a write that failed with the server
            stale = holder.get("host") == owner["host"] and (pid == os.getpid() or not _process_alive(pid))
            if not (stale or break_lock):
                msg = (f"index {name!r} is being written by another process (pid {holder.get('pid')} on "
                       f"{holder.get('host')}, since {holder.get('since')}); wait for it to finish and run again, "
                       "or pass --break_lock if that process is gone")
                raise IndexBusy(msg) from None
            logger.warning("taking over the writer lock of %s from pid %s on %s (%s)", name, holder.get("pid"),
                           holder.get("host"), "gone" if stale else "--break_lock")
            with contextlib.suppress(Exception):
                client.delete_collection(lock)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # a server that died keeps the lock; the next run takes it over
            client.delete_collection(lock)
