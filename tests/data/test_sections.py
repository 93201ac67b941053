"""Documents split by heading and at paragraphs, configuration split into windows: expectations written by hand."""

from data.sections import config_windows, document_sections, plain_text

GUIDE = """# tool

Intro: this tool reads configuration files, checks them against a schema, and reports every problem it finds \
with its file, line and a suggestion, so that a broken deployment is caught before it ships.

## Usage

First paragraph of usage, long enough to matter here.

```python
# a comment in a fence, not a heading

x = 1
```

Second paragraph of usage.

### Retries

Retry three times.
"""


def test_markdown_sections_by_heading_with_their_trail_and_lines() -> None:
    sections = document_sections(GUIDE, "markdown", "README.md")
    assert [(s.name, s.first_line, s.last_line) for s in sections] == [
        ("tool", 1, 3), ("tool > Usage", 5, 15), ("tool > Usage > Retries", 17, 19)]
    assert sections[1].text.startswith("## Usage\n\nFirst paragraph") and "# a comment in a fence" in sections[1].text
    assert sections[1].summary == "First paragraph of usage, long enough to matter here."


def test_a_long_section_is_split_at_paragraphs_outside_fences_each_part_with_its_heading() -> None:
    parts = document_sections(GUIDE, "markdown", "README.md", limit=60)
    usage = [p for p in parts if p.name == "tool > Usage"]
    assert len(usage) == 3
    assert [(p.first_line, p.last_line) for p in usage] == [(5, 7), (9, 13), (15, 15)]
    assert all(p.text.startswith("## Usage\n") for p in usage)  # the heading repeated in every part
    assert usage[1].text == "## Usage\n\n```python\n# a comment in a fence, not a heading\n\nx = 1\n```"  # whole fence


def test_setext_and_restructuredtext_headings_and_a_preamble() -> None:
    long = "A body long enough to stand alone as an entry of its own, " * 4
    text = f"Badges here.\n\nTitle\n=====\n\n{long}\n\nPart\n----\n\nMore.\n"
    assert [(s.name, s.first_line) for s in document_sections(text, "markdown", "README.md")] == [
        ("README.md", 1), ("Title", 3), ("Title > Part", 8)]
    rst = f"=====\nGuide\n=====\n\n{long}\n\nInstall\n-------\n\nRun it.\n"
    assert [(s.name, s.first_line, s.last_line) for s in document_sections(rst, "restructuredtext", "g.rst")] == [
        ("Guide", 1, 5), ("Guide > Install", 7, 10)]


def test_a_short_introduction_is_read_with_the_subsection_it_introduces() -> None:
    text = "# tool\n\nShort intro.\n\n## Install\n\nRun pip install tool.\n\n## Usage\n\nCall it.\n"
    sections = document_sections(text, "markdown", "README.md")
    assert [(s.name, s.first_line, s.last_line) for s in sections] == [
        ("tool > Install", 1, 7), ("tool > Usage", 9, 11)]  # Usage is no subsection of Install: its own entry
    assert sections[0].text == "# tool\n\nShort intro.\n\n## Install\n\nRun pip install tool."
    assert sections[0].summary == "Run pip install tool."


def test_plain_text_has_no_text_in_headings_a_file_name_is_its_name() -> None:
    sections = document_sections("Version 2: faster.\n\nVersion 1: first.\n", "text", "CHANGELOG")
    assert [(s.name, s.first_line, s.last_line, s.summary) for s in sections] == [
        ("CHANGELOG", 1, 3, "Version 2: faster.")]


def test_configuration_windows_start_at_tables_and_keys() -> None:
    toml = "[project]\nname = 'x'\n" + "".join(f"dep{i} = 1\n" for i in range(30)) + "\n[tool.ruff]\nline-length = 99\n"
    windows = config_windows(toml, "toml", "pyproject.toml")
    assert [(w.name, w.first_line, w.last_line) for w in windows] == [("[project]", 1, 33), ("[tool.ruff]", 34, 35)]
    long = "\n".join(f"key{i}: {i}" for i in range(100))  # a long flat YAML file: windows of at most 40 lines
    spans = [(w.first_line, w.last_line) for w in config_windows(long, "yaml", "big.yaml")]
    assert all(last - first < 40 for first, last in spans) and spans[0][0] == 1 and spans[-1][1] == 100
    json_text = '{\n  "compilerOptions": {\n    "strict": true\n  },\n  "include": ["src"]\n}\n'
    assert [w.name for w in config_windows(json_text, "json", "tsconfig.json")] == [
        "tsconfig.json, compilerOptions, include"]  # nested keys start no window; small windows are merged


def test_plain_text_drops_urls_images_and_tags() -> None:
    text = ('[<img alt="ci" src="x.svg">](https://ci.example) See [the guide](https://x.io/a_(b)) and ![logo](l.png).\n'
            "[ref]: https://example.com\nRead [Specifying Dependencies][ref].")
    assert plain_text(text) == " See the guide and .\n\nRead Specifying Dependencies."
