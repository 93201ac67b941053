"""A mixed TypeScript / Rust / Markdown repository, as a new user points the tool at one: `rag.ask --corpus` and MCP
`search_code` find its functions and README sections, filter by kind and language, and never serve what must
not be indexed (the real packaged MiniLM, no generator)."""

import asyncio
import subprocess
from pathlib import Path

import pytest

from rag import ask
from tests.rag.test_mcp import server_parameters, session_calls, structured

AUTH_TS = """import {createHmac} from 'node:crypto';

/**
 * Verifies a signed session token against the signing key.
 * @param token - the token from the Authorization header
 */
export function verifyToken(token: string, key: string): boolean {
  const [payload, signature] = token.split('.');
  return createHmac('sha256', key).update(payload).digest('hex') === signature;
}

/** Keeps the active sessions in memory. */
export class SessionStore {
  private sessions = new Map<string, string>();

  /** Forgets a session when its user logs out. */
  remove(id: string): void {
    this.sessions.delete(id);
  }
}
"""
LIB_RS = """/// Parses a semantic version string such as 1.2.3 into its numbers.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|p| p.parse().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}
"""
README = """# tsrepo

Session tokens for web services.

## Configuration

Set the signing key in the `SIGNING_KEY` environment variable before starting the server; rotate it by
restarting with a new value.

## Development

Run the tests with `npm test`.
"""


@pytest.fixture
def mixed_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "tsrepo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "auth.ts").write_text(AUTH_TS)
    (repo / "src" / "lib.rs").write_text(LIB_RS)
    (repo / "README.md").write_text(README)
    (repo / ".env").write_text("SIGNING_KEY=hunter2-very-secret\n")
    secret = tmp_path / "elsewhere.ts"
    secret.write_text("/** Verifies the admin token. */\nexport function adminToken(): string { return 'hunter2'; }\n")
    (repo / "src" / "leak.ts").symlink_to(secret)
    (repo / "src" / "bundle.min.js").write_text("function n(t){return t&&t.__esModule?t:{default:t}};" * 40 + "\n")
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    return repo


def sources_of(out: str) -> list[str]:
    return out.split("Sources:")[1].strip().splitlines()


@pytest.mark.e2e
def test_ask_finds_typescript_rust_and_readme_sections(mixed_repo: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--corpus", str(mixed_repo), "--persist", str(tmp_path / "db"), "--generator", "none", "--rerank", "none"]
    assert ask.main(["how do I verify a token", *common]) == 0
    captured = capsys.readouterr()
    assert "tsrepo/src/auth.ts:7  verifyToken" in sources_of(captured.out)[0]
    assert "skipped: 1 minified, 1 secrets, 1 symlink out of the root" in captured.err  # the index report
    assert ask.main(["how do I configure the signing key", *common, "--k", "2"]) == 0
    out = capsys.readouterr().out
    # the one-line introduction under `# tsrepo` is read with its first subsection: the entry starts at line 1
    assert any("tsrepo/README.md:1  tsrepo > Configuration" in line for line in sources_of(out)), out
    assert ask.main(["parse a version string", *common, "--k", "1", "--kinds", "function"]) == 0
    assert "tsrepo/src/lib.rs:2  parse_version" in capsys.readouterr().out
    assert ask.main(["admin token hunter2", *common, "--k", "9"]) == 0
    out = capsys.readouterr().out
    assert "adminToken" not in out and "hunter2" not in out and "leak.ts" not in out and ".env" not in out


@pytest.mark.e2e
def test_mcp_search_code_filters_by_kind_and_language(mixed_repo: Path, tmp_path: Path) -> None:
    parameters = server_parameters(mixed_repo, Path("minilm"), tmp_path)
    parameters.args[parameters.args.index("--lexical_weight") + 1] = "0.1"  # the default hybrid, real encoder
    sections, typescript, functions, wrong = asyncio.run(session_calls(parameters, [
        lambda s: s.call_tool("search_code", {"query": "configure the signing key", "k": 3, "kind": "section"}),
        lambda s: s.call_tool("search_code", {"query": "verify a token", "k": 3, "language": "typescript"}),
        lambda s: s.call_tool("search_code", {"query": "session", "k": 9, "kind": ["function", "class"]}),
        lambda s: s.call_tool("search_code", {"query": "session", "kind": "paragraph"}),
    ]))
    hits = structured(sections)["hits"]
    assert {h["kind"] for h in hits} == {"section"} and hits[0]["name"] == "tsrepo > Configuration"
    assert (hits[0]["path"], hits[0]["start_line"], hits[0]["end_line"]) == ("README.md", 1, 8)
    hits = structured(typescript)["hits"]
    assert hits[0]["name"] == "verifyToken" and {h["language"] for h in hits} == {"typescript"}
    assert hits[0]["summary"] == "Verifies a signed session token against the signing key."
    names = {h["name"]: h["kind"] for h in structured(functions)["hits"]}
    assert names == {"verifyToken": "function", "SessionStore": "class", "SessionStore.remove": "function",
                     "parse_version": "function"}  # every unit, no section, nothing that must not be indexed
    assert wrong.is_error and "unknown kind(s) paragraph" in wrong.content[0].text
