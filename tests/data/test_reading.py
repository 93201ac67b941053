"""What is never indexed, each rule with its attack and its reason in the report; and reading that never hangs."""

import os
import subprocess
from pathlib import Path

import pytest

from data.miner import MineReport, mine_tree
from data.reading import read_corpus_text

GOOD = '/** Verifies a token. */\nexport function verifyToken(t: string): boolean {\n  return t.length > 0;\n}\n'


def _mine(root: Path) -> tuple[set[str], MineReport]:
    report = MineReport()
    records = mine_tree(root, documented_only=False, report=report, show_progress=False)
    return {r.path for r in records}, report


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "auth.ts").write_text(GOOD)
    return root


def test_a_symlink_out_of_the_root_is_skipped_and_one_inside_is_read(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.py"
    secret.parent.mkdir()
    secret.write_text("def leaked():\n    return 'the secret'\n")
    (repo / "leak.py").symlink_to(secret)
    (repo / "alias.ts").symlink_to(repo / "auth.ts")
    paths, report = _mine(repo)
    assert paths == {"auth.ts", "alias.ts"}
    assert report.skipped["symlink out of the root"] == 1


def test_a_symlink_out_of_the_root_committed_to_git_is_skipped_not_a_crash(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("def leaked():\n    return 'the secret'\n")
    (repo / "leak.py").symlink_to(secret)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    paths, report = _mine(repo)
    assert paths == {"auth.ts"} and report.skipped["symlink out of the root"] == 1


def test_a_fifo_and_a_device_are_skipped_without_hanging(repo: Path) -> None:
    os.mkfifo(repo / "pipe.py")  # opening it for reading would wait for a writer forever
    (repo / "zero.py").symlink_to("/dev/zero")  # reports size 0; reading it never ends
    paths, report = _mine(repo)
    assert paths == {"auth.ts"}
    assert report.skipped["not a regular file"] == 1 and report.skipped["symlink out of the root"] == 1
    assert read_corpus_text(repo / "pipe.py") == (None, "not a regular file")
    assert read_corpus_text(Path("/dev/zero")) == (None, "not a regular file")


def test_secrets_are_never_read(repo: Path) -> None:
    (repo / ".env").write_text("SIGNING_KEY=abc\n")
    (repo / "server.pem").write_text("x\n")
    (repo / "id_rsa").write_text("x\n")
    (repo / "credentials.json").write_text('{"token": "x"}\n')
    (repo / "keys.py").write_text('AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n\ndef connect():\n    return AWS_KEY\n')
    (repo / "deploy.md").write_text("# Deploy\n\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n")
    paths, report = _mine(repo)
    assert paths == {"auth.ts"}
    assert report.skipped["secrets"] == 6  # four by name, two by content


def test_minified_generated_large_binary_and_lock_files_are_skipped(repo: Path) -> None:
    (repo / "bundle.min.js").write_text("function n(t){return t&&t.__esModule?t:{default:t}};" * 40 + "\n")  # 2,000 chars
    (repo / "notes.md").write_text("# Notes\n\n" + "A long paragraph of prose on one line, as some editors write it. " * 20 + "\n")
    (repo / "table.js").write_text(("{[(<>)]}|&^%$#@!~" * 40 + "\n") * 20)  # short lines, hardly a letter
    (repo / "huge.py").write_text("x = 1\n" * 200_000)  # 1.2 MB
    (repo / "logo.ts").write_bytes(b"\x89PNG\x00\x00binary")
    (repo / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    (repo / "Cargo.lock").write_text("version = 3\n")
    (repo / "image.png").write_bytes(b"\x89PNG")
    paths, report = _mine(repo)
    assert paths == {"auth.ts", "notes.md"}  # a long line of prose is no minified code
    assert report.skipped == {"minified": 2, "over 1 MB": 1, "binary": 1, "lock files": 2, "in no supported language": 1}
    assert read_corpus_text(repo / "huge.py") == (None, "over 1 MB")  # read bounded, whatever the listing said
    line = report.skipped_line()
    assert line.startswith("skipped: ") and "2 minified" in line and "1 over 1 MB" in line and "1 binary" in line


def test_a_hostile_git_config_runs_no_command(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "fsmonitor-ran"
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(repo), "config", "core.fsmonitor", str(hook)], check=True)
    paths, _ = _mine(repo)
    assert paths == {"auth.ts"}
    assert not marker.exists()
