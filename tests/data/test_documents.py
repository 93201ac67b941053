"""What a function's vector embeds: docstring + code, the qualified name standing in for a missing docstring."""

import pytest

from data.documents import document_text, module_name
from data.records import Record


def record(path: str, func_name: str, docstring: str, language: str = "python") -> Record:
    return Record(repo="python3.11", path=path, func_name=func_name, language=language, code="class X:\n    pass",
                  docstring=docstring)


@pytest.mark.parametrize(("item", "document", "text"), [
    (record("csv.py", "DictReader", ""), "docstring+code", "csv.DictReader\nclass X:\n    pass"),
    (record("json/__init__.py", "JSONish.loads", ""), "docstring+code", "json.JSONish.loads\nclass X:\n    pass"),
    (record("csv.py", "DictReader", "Read rows as dicts."), "docstring+code", "Read rows as dicts.\nclass X:\n    pass"),
    (record("csv.py", "DictReader", ""), "code", "class X:\n    pass"),
    (record("code-17", "parse", ""), "docstring+code", "class X:\n    pass"),  # a code-base snippet, no file
    (record("lib/a.js", "parse", ""), "docstring+code", "class X:\n    pass"),  # not Python
])
def test_document_text(item: Record, document: str, text: str) -> None:
    assert document_text(item, document) == text


def test_module_names_follow_python_packages() -> None:
    assert [module_name(p) for p in ("json/__init__.py", "xml/etree/ElementTree.py", "csv.py", "__init__.py")] == \
        ["json", "xml.etree.ElementTree", "csv", ""]


def test_a_method_is_a_function_with_a_qualified_name() -> None:
    from types import SimpleNamespace

    from data.documents import is_method

    cases = {("JSONDecoder.decode", "function"): True, ("Version::parse", "function"): True,
             ("loads", "function"): False, ("JSONDecoder", "class"): False, ("impl Version", "class"): False,
             ("Usage > Install", "section"): False}
    assert {case: is_method(SimpleNamespace(func_name=case[0], kind=case[1])) for case in cases} == cases
