"""Benchmark: keeping a large index in step with its code, as ratios to the full build in the same run.

    python bench/refresh.py [--source SITE_PACKAGES] [--packages a,b,c] [--workers N] [--out FILE.json]

Copies the Python files of a large tree nobody here wrote (default: this environment's site-packages; with
--packages, only those top-level folders of it) into a temporary folder, then with the default retriever:
1. full build of its index into an empty Chroma folder (time, peak memory of the process, functions);
2. refresh with nothing changed;
3. refresh after editing one function's body;
4. refresh after deleting one file.
Each refresh is reported as a ratio to the full build (`rag.store.refresh.refresh_index`, what `rag.ask` runs
before searching).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.store import (  # noqa: E402
    StoreOptions,
    build_search_index,
    open_index,
    refresh_index,
)
from retriever_finetune.models import load_retriever  # noqa: E402
from retriever_finetune.spec import parse_retriever  # noqa: E402


def copy_python_tree(source: Path, target: Path, packages: list[str]) -> int:
    """Copy the .py files (not folders named test/tests) of `source`, or of its `packages` folders; returns how
    many."""
    roots = [source / name for name in packages] or [source]
    missing = [str(root) for root in roots if not root.is_dir()]
    if missing:
        msg = f"no such package folder: {', '.join(missing)}"
        raise SystemExit(msg)
    count = 0
    for path in (file for root in roots for file in root.rglob("*.py")):
        relative = path.relative_to(source)
        if {"test", "tests", "__pycache__"} & set(relative.parts[:-1]) or not path.is_file():
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)
        count += 1
    return count


def edit_one_function(tree: Path) -> Path:
    """Add a statement to the body of the first public top-level function found (a real edit of one function)."""
    for path in sorted(tree.rglob("*.py")):
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            module = ast.parse(source)
        except SyntaxError:
            continue
        for node in module.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and len(node.body) > 1:
                first = node.body[1] if isinstance(node.body[0], ast.Expr) else node.body[0]  # after a docstring
                lines = source.splitlines(keepends=True)
                lines.insert(first.lineno - 1, " " * first.col_offset + "_edited_by_bench = 1\n")
                path.write_text("".join(lines), encoding="utf-8")
                return path
    msg = "no public top-level function to edit"
    raise RuntimeError(msg)


def public_functions(path: Path) -> int:
    """Top-level public functions of a file, counted by their `def` lines (a deletion that removes entries)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return sum(1 for line in lines if line.startswith("def ") and not line.startswith("def _"))


def timed(run):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=sysconfig.get_paths()["purelib"])
    parser.add_argument("--packages", default="", help="comma-separated top-level folders of --source (default: all)")
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--workers", type=int, default=1, help="processes that parse the files in the full build")
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    tree = work / "tree"
    packages = [name for name in args.packages.split(",") if name]
    files = copy_python_tree(Path(args.source), tree, packages)
    spec = parse_retriever(args.retriever)
    encoder = load_retriever(spec)
    store = StoreOptions(str(work / "chroma"))
    paths = [str(tree)]
    built, build_s = timed(lambda: build_search_index(paths, spec, encoder, store, workers=args.workers))
    index = open_index(paths, spec, store, create=False)
    _, unchanged_s = timed(lambda: refresh_index(paths, index, encoder, store))
    edited_file = edit_one_function(tree)
    edited, edited_s = timed(lambda: refresh_index(paths, index, encoder, store))
    victim = next(p for p in sorted(tree.rglob("*.py")) if p != edited_file and public_functions(p) >= 3)
    victim.unlink()
    deleted, deleted_s = timed(lambda: refresh_index(paths, index, encoder, store))
    result = {
        "source": args.source, "packages": packages or "all", "workers": args.workers, "python_files": files, "functions": built.total,
        "full_build_s": build_s, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "refresh_unchanged_s": unchanged_s, "refresh_unchanged_ratio": unchanged_s / build_s,
        "refresh_one_edit_s": edited_s, "refresh_one_edit_ratio": edited_s / build_s,
        "one_edit": {"file": str(edited_file.relative_to(tree)), "added": edited.added, "deleted": edited.deleted},
        "refresh_one_deletion_s": deleted_s, "refresh_one_deletion_ratio": deleted_s / build_s,
        "one_deletion": {"file": str(victim.relative_to(tree)), "deleted": deleted.deleted},
    }
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
