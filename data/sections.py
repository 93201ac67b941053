"""Documents as sections by heading, configuration files as windows: the entries of a README, a docs page, a
`pyproject.toml` or a `Dockerfile`.

A Markdown (ATX ``#`` or setext underlined), reStructuredText (underlined, optionally overlined) or plain-text file
is cut at its headings; a section's name is its heading trail (``Usage > Retries``), its text starts with its own
heading, and the text before the first heading is a section named after the file. Headings inside fenced code are
text. A section that only introduces its first subsection (a heading alone, or one paragraph shorter than
`MIN_SECTION_CHARS` without code) starts that subsection's entry instead of being an entry of its own. A section
longer than `MAX_SECTION_CHARS` is split at paragraph boundaries (never inside a fence), each part starting with
the section's heading again. A configuration file is cut into windows of at most `WINDOW_LINES`
lines that start, where it can, at a table (``[tool.ruff]``), a top-level key or a build target; a window is named
by the first such line. Does not handle: which files are documents or configuration (see `languages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from data.functions import first_paragraph

MAX_SECTION_CHARS = 1500  # about the 256-token window of the default encoder, in English prose
MIN_SECTION_CHARS = 150  # a section of one shorter paragraph followed by its first subsection is read with it
WINDOW_LINES = 40
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_RST_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+:.<>_])\1{2,}\s*$")


@dataclass(frozen=True)
class Section:
    """One entry of a document or configuration file; lines are 1-based."""

    name: str  # heading trail, or the window's first key
    text: str
    first_line: int
    last_line: int
    summary: str = ""  # a section's first paragraph below its heading


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def plain_text(text: str) -> str:
    """A document's text as a reader takes it in: images and badges dropped, links as their words (no URL),
    HTML tags removed; what a section embeds, so a section's URLs do not fill the encoder's window."""
    text = _LINK_DEFINITION.sub("", _IMAGE.sub("", text))
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    return re.sub(r"\n{3,}", "\n\n", _HTML_TAG.sub("", text))


def _fenced_rows(lines: list[str]) -> set[int]:
    """The rows inside (or opening or closing) a fenced code block."""
    inside, rows = False, set()
    for row, line in enumerate(lines):
        if _FENCE.match(line):
            rows.add(row)
            inside = not inside
        elif inside:
            rows.add(row)
    return rows


def _headings(lines: list[str], language: str) -> list[tuple[int, int, int, str]]:
    """(first row, last row, level, title) of each heading, in order."""
    found: list[tuple[int, int, int, str]] = []
    if language == "markdown":
        fenced = _fenced_rows(lines)
        for row, line in enumerate(lines):
            if row in fenced:
                continue
            atx = _ATX.match(line)
            if atx:
                found.append((row, row, len(atx.group(1)), atx.group(2)))
            elif (row > 0 and _SETEXT.match(line) and lines[row - 1].strip() and row - 1 not in fenced
                  and not _ATX.match(lines[row - 1]) and not (found and found[-1][1] == row - 1)):
                found.append((row - 1, row, 1 if line.strip()[0] == "=" else 2, lines[row - 1].strip()))
    elif language == "restructuredtext":
        styles: list[tuple[str, bool]] = []  # adornment styles in order of first use: their level
        row = 0
        while row < len(lines) - 1:
            title, under = lines[row], lines[row + 1]
            over = row > 0 and _RST_ADORNMENT.match(lines[row - 1]) is not None and \
                (not found or found[-1][1] < row - 1)
            if title.strip() and not _RST_ADORNMENT.match(title) and _RST_ADORNMENT.match(under) and \
                    len(under.rstrip()) >= len(title.rstrip()):
                style = (under.strip()[0], over)
                if style not in styles:
                    styles.append(style)
                found.append((row - 1 if over else row, row + 1, styles.index(style) + 1, title.strip()))
                row += 2
                continue
            row += 1
    return found


def _fence_interiors(lines: list[str]) -> set[int]:
    """The rows inside a fenced code block, its closing line included (a part may start at its opening line)."""
    inside, rows = False, set()
    for row, line in enumerate(lines):
        if inside:
            rows.add(row)
        if _FENCE.match(line):
            inside = not inside
    return rows


def _paragraph_parts(body: list[str], limit: int) -> list[tuple[int, int]]:
    """Row ranges [start, end) of `body` of about `limit` characters each, cut at blank lines outside fences; a
    paragraph longer than the limit is cut at a line, a fence only when it is over four times the limit."""
    fenced, inside = _fenced_rows(body), _fence_interiors(body)
    parts: list[tuple[int, int]] = []
    start, size, last_break = 0, 0, None
    for row, line in enumerate(body):
        cost = len(line) + 1
        if size + cost > limit and row > start:
            cut = last_break if last_break is not None and last_break > start else \
                row if row not in inside or size > 4 * limit else None
            if cut is not None:
                parts.append((start, cut))
                start, last_break = cut, None
                size = sum(len(x) + 1 for x in body[start:row])
        size += cost
        if not line.strip() and row not in fenced:
            last_break = row + 1
    if start < len(body):
        parts.append((start, len(body)))
    return parts


def _split(name: str, heading: list[str], body: list[str], first_row: int, limit: int) -> list[Section]:
    """A section (its heading at 0-based row `first_row`, then its body) as one or more parts cut at paragraph
    boundaries; the first as written, each later one starting with `heading` again; lines 1-based."""
    body_row = first_row + len(heading)
    head_chars = sum(len(line) + 1 for line in heading)
    sections: list[Section] = []
    for start, end in _paragraph_parts(body, max(limit // 2, limit - head_chars)):
        while start < end and not body[end - 1].strip():
            end -= 1
        while start < end and not body[start].strip():
            start += 1
        if start == end:
            continue
        chunk = body[start:end]
        if sections or not heading:
            text, first_line = [*heading, *([""] if heading else []), *chunk], body_row + start + 1
        else:  # the first part: the heading and what follows it, as written
            text, first_line = [*heading, *body[:end]], first_row + 1
        summary = first_paragraph(plain_text("\n".join(chunk)))
        sections.append(Section(name, "\n".join(text), first_line, body_row + end, summary))
    return sections


def document_sections(text: str, language: str, file_name: str, *, limit: int = MAX_SECTION_CHARS) -> list[Section]:
    """The sections of a Markdown, reStructuredText or plain-text document (see the module docstring)."""
    lines = text.splitlines()
    headings = _headings(lines, language)
    sections: list[Section] = []
    if not headings:
        return _split(file_name, [], lines, 0, limit)
    if any(line.strip() for line in lines[: headings[0][0]]):
        sections += _split(file_name, [], lines[: headings[0][0]], 0, limit)
    trail: list[tuple[int, str]] = []
    carried: int | None = None  # the first row of a short section carried into its first subsection
    for index, (first, last, level, title) in enumerate(headings):
        trail = [(lvl, t) for lvl, t in trail if lvl < level] + [(level, _plain(title))]
        end = headings[index + 1][0] if index + 1 < len(headings) else len(lines)
        body = lines[last + 1 : end]
        start = first if carried is None else carried
        if _introduction(body) and index + 1 < len(headings) and headings[index + 1][2] > level:
            carried = start  # read with the subsection it introduces
            continue
        carried = None
        if not any(line.strip() for line in body):
            continue
        name = " > ".join(t for _, t in trail)
        sections += _split(name, lines[start : last + 1], body, start, limit)
    return sections


def _introduction(body: list[str]) -> bool:
    """A section body that only introduces what follows: nothing, or one short paragraph without code."""
    text = "\n".join(body).strip()
    return len(text) < MIN_SECTION_CHARS and "\n\n" not in text and not _FENCE.search(text)


def _plain(title: str) -> str:
    """A heading as text: Markdown links, emphasis and code marks dropped."""
    title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[*_`]+", "", title).strip()


_CONFIG_KEY = {
    "toml": re.compile(r"^\s*(\[\[?[^\]]+\]\]?)"),
    "ini": re.compile(r"^\s*(\[[^\]]+\])"),
    "yaml": re.compile(r"^([A-Za-z0-9_.\-\"']+)\s*:"),
    "json": re.compile(r"^\s*\"([^\"]+)\"\s*:"),
    "makefile": re.compile(r"^([A-Za-z0-9_.\-/$()%]+)\s*:(?!=)|^(\w+)\s*\("),
    "dockerfile": re.compile(r"^\s*(FROM\s+\S+)", re.I),
}


def config_windows(text: str, language: str, file_name: str, *, window: int = WINDOW_LINES) -> list[Section]:
    """A configuration file as windows of at most `window` lines (see the module docstring)."""
    lines = text.splitlines()
    key = _CONFIG_KEY.get(language)
    top_level = _json_top_level_rows(lines) if language == "json" else None
    starts = [row for row, line in enumerate(lines)
              if key is not None and key.match(line) and (top_level is None or row in top_level)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    windows: list[Section] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        for piece in range(start, end, window):
            chunk = lines[piece : min(piece + window, end)]
            if not any(line.strip() for line in chunk):
                continue
            match = key.match(lines[start]) if key is not None else None
            name = next((g for g in match.groups() if g), "") if match else ""
            title = f"{name} (continued)" if piece > start and name else name or file_name
            windows.append(Section(title, "\n".join(chunk).strip("\n"), piece + 1, piece + len(chunk)))
    return _merged(windows, window)


def _json_top_level_rows(lines: list[str]) -> set[int]:
    """The rows of a JSON document that start at depth 1 (a top-level object's keys)."""
    rows, depth, in_string, escaped = set(), 0, False, False
    for row, line in enumerate(lines):
        if depth == 1 and not in_string:
            rows.add(row)
        for char in line:
            if escaped:
                escaped = False
            elif char == "\\" and in_string:
                escaped = True
            elif char == '"':
                in_string = not in_string
            elif not in_string and char in "{[":
                depth += 1
            elif not in_string and char in "}]":
                depth -= 1
    return rows


def _merged(windows: list[Section], window: int) -> list[Section]:
    """Neighbouring small windows joined (a run of one-line keys is one entry, not twenty), named by theirs."""
    merged: list[Section] = []
    for current in windows:
        previous = merged[-1] if merged else None
        lines = (current.last_line - current.first_line + 1) + (
            previous.last_line - previous.first_line + 1 if previous is not None else window)
        if previous is not None and lines <= window // 2:
            name = previous.name if current.name in previous.name else f"{previous.name}, {current.name}"
            merged[-1] = Section(name, f"{previous.text}\n{current.text}", previous.first_line, current.last_line)
        else:
            merged.append(current)
    return merged
