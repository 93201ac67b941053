"""What of a corpus is never read, and reading the rest safely: a repository is untrusted input.

Never read, each counted under its reason (`SKIP_REASONS` spells them): a lock file; a file whose name says it
holds secrets (``.env*``, ``*.pem``, ``*.key``, ``id_rsa*``, ``*.p12``, credentials files); a symlink whose target
is outside the corpus root; anything that is not a regular file (a FIFO, a device, a socket); a file over the
size limit (1 MB); a binary file (a NUL byte in its first 8 KB); a file that is not UTF-8; a minified or generated
file (a line over 1,000 characters that is not prose, one space in 10 characters or fewer, as minified code and
encoded blobs are; or mostly non-alphanumeric text); and a file whose text matches a common secret
pattern (a private-key block, an AWS access key id, a GitHub, Slack, Stripe, Google or OpenAI token). A file is
opened without following a FIFO's writer (non-blocking), checked to be regular after opening, and read up to the
limit plus one byte, so `/dev/zero` or a pipe named `x.py` costs nothing. Does not handle: which files a folder
holds (see `visible_files`) or which language a file is (see `languages`).
"""

from __future__ import annotations

import os
import re
import stat
from fnmatch import fnmatch
from pathlib import Path

from data.languages import LOCK_FILES

MAX_FILE_BYTES = 1_000_000
MAX_LINE_CHARS = 1_000
MIN_PROSE_SPACES = 0.10  # a long line with fewer spaces per character is code squeezed onto it (prose has 15%+)
MIN_ALPHANUMERIC_SHARE = 0.25  # of the non-space characters of a file over 2,000 of them
SECRET_FILE_PATTERNS = (".env", ".env.*", "*.env", "*.pem", "*.key", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
                        "*.p12", "*.pfx", "*.jks", "*.keystore", "credentials", "credentials.*", "*credentials.json",
                        ".netrc", ".pgpass", ".htpasswd", "*.ppk", "secrets.yml", "secrets.yaml", "secrets.json")
SECRET_TEXT = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"  # RSA, EC, DSA, OPENSSH, PGP, encrypted private keys
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{60,}\b"  # GitHub tokens
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}\b"  # Slack tokens
    r"|\b[sr]k_live_[A-Za-z0-9]{20,}\b"  # Stripe live keys
    r"|\bAIza[0-9A-Za-z_\-]{35}\b"  # Google API keys
    r"|\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{32,}\b"  # OpenAI and Anthropic keys
)
SKIP_REASONS = ("lock files", "secrets", "symlink out of the root", "not a regular file", "over 1 MB", "binary",
                "not UTF-8", "minified", "unreadable", "in no supported language", "other languages",
                "deprecated modules")


def name_skip_reason(path: Path) -> str | None:
    """Why a file is never read, from its name alone: a lock file or a secrets file; None if it may be."""
    name = path.name.lower()
    if name in LOCK_FILES:
        return "lock files"
    if any(fnmatch(name, pattern) for pattern in SECRET_FILE_PATTERNS):
        return "secrets"
    return None


def _inside(real: Path, root: Path) -> bool:
    return real == root or root in real.parents


def file_skip_reason(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Why `path` (under the resolved corpus `root`) is never read, without opening it: its name, a symlink
    out of the root, not a regular file, or over `max_bytes`; None if it may be read."""
    reason = name_skip_reason(path)
    if reason is not None:
        return reason
    try:
        if path.is_symlink() and not _inside(path.resolve(), root):
            return "symlink out of the root"
        info = path.stat()
    except (OSError, RuntimeError):  # a dangling link, a loop, no permission
        return "unreadable"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > max_bytes:
        return _too_large(max_bytes)
    return None


def _too_large(max_bytes: int) -> str:
    return "over 1 MB" if max_bytes == MAX_FILE_BYTES else f"over {max_bytes:,} bytes"


def read_bounded(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes | str:
    """The bytes of a regular file of at most `max_bytes`, or the reason it is not read (`SKIP_REASONS`).

    Opened non-blocking (a FIFO's open does not wait for a writer) and checked to be a regular file once open,
    so a file swapped for a pipe or a device after listing is refused too; at most `max_bytes` + 1 bytes read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return "unreadable"
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return "not a regular file"
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return "unreadable"
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        return _too_large(max_bytes)
    return data


def text_skip_reason(text: str) -> str | None:
    """Why a decoded file is not indexed: minified or generated, or holding a secret; None if it is fine."""
    if any(len(line) > MAX_LINE_CHARS and line.count(" ") < MIN_PROSE_SPACES * len(line) for line in text.splitlines()):
        return "minified"
    visible = [c for c in text if not c.isspace()]
    if len(visible) > 2000 and sum(c.isalnum() for c in visible) < MIN_ALPHANUMERIC_SHARE * len(visible):
        return "minified"
    if SECRET_TEXT.search(text):
        return "secrets"
    return None


def read_corpus_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, str | None]:
    """(text, None) for a file the index may read, else (None, the reason it is skipped)."""
    data = read_bounded(path, max_bytes)
    if isinstance(data, str):
        return None, data
    if b"\x00" in data[:8192]:
        return None, "binary"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    reason = text_skip_reason(text)
    return (None, reason) if reason else (text, None)
