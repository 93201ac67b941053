"""Where the project keeps what it builds on a user's machine (converted models, indexes, manifests, caches)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "codesearch-rag"
