"""Notebooks: cells joined into one module, IPython lines masked, fixes written back into cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import libcst
import pytest
from cli_harness import run_cli

from hflint.analyzers.files import ReadError
from hflint.analyzers.findings import Edit, Position, Range
from hflint.analyzers.notebook import (
    Notebook,
    NotebookEditError,
    mask_cell,
    parse_notebook,
    read_notebook,
)


def code(source: str | list[str], **extra: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source,
    }
    cell.update(extra)
    return cell


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook_json(*cells: dict[str, Any], indent: int = 1, **meta: Any) -> str:
    """A notebook as nbformat writes it (sorted keys, 1-space indent, final newline)."""
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        **meta,
    }
    nb = {"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, sort_keys=True, indent=indent, ensure_ascii=False) + "\n"


def parsed(text: str) -> Notebook:
    nb = parse_notebook(text)
    assert isinstance(nb, Notebook), nb
    return nb


SAMPLE = notebook_json(
    markdown("# Fine-tuning\n"),
    code(["!pip install transformers\n", "%matplotlib inline\n", "import transformers"]),
    markdown("Now load it."),
    code(
        "%%time\nold_name = 1\nold_name?\nrisky_call()",
        execution_count=7,
        outputs=[{"name": "stdout", "output_type": "stream", "text": ["hi\n"]}],
    ),
    code(["%%bash\n", "echo old_name\n"]),
    code(["y = (1\n", "     % 2)\n", "old_name"]),
)


# ---- joining and masking ---------------------------------------------------------------------
def test_code_cells_are_joined_and_numbered_among_all_cells() -> None:
    nb = parsed(SAMPLE)
    assert [cell.number for cell in nb.cells] == [2, 4, 6]  # markdown counts, %%bash is left out
    assert nb.text == (
        "pass\npass\nimport transformers\n"
        "pass\nold_name = 1\npass\nrisky_call()\n"
        "y = (1\n     % 2)\nold_name\n"
    )
    libcst.parse_module(nb.text)


def test_positions_map_to_cell_and_line() -> None:
    nb = parsed(SAMPLE)
    assert nb.locate(Position(3, 7)) == (2, Position(3, 7))
    assert nb.locate(Position(5, 0)) == (4, Position(2, 0))
    assert nb.locate(Position(10, 2)) == (6, Position(3, 2))
    assert nb.cell_map.locate(Position(10, 2)) == (6, Position(3, 2))


@pytest.mark.parametrize(
    "line",
    [
        "!pip install -q transformers",
        "%matplotlib inline",
        "%load_ext autoreload",
        "model?",
        "model.generate??",
        "?model",
        "files = !ls",
        "a, b = %who_ls",
        "%%time",
        "pip install transformers datasets",  # automagic: %pip
        "pip install -q 'transformers>=4.40'",
        "conda install -c conda-forge datasets",
        "cd /content/repo",
    ],
)
def test_ipython_lines_are_masked(line: str) -> None:
    masked = mask_cell(f"{line}\nx = 1\n")
    assert masked == ("pass\nx = 1\n", [1])


@pytest.mark.parametrize(
    "source",
    [
        "y = (1\n     % 2)\n",  # a modulo continuing a bracket
        "s = '''\n!not a shell line\n'''\n",  # inside a string
        "a != b\n",
        "x %= 3\n",
        "# what?\n",
        "t = 'a?'\n",
        "y = 1 + \\\n    % 2\n",  # after a backslash continuation
        "pip = 3\n",  # names that automagic would shadow, used as Python
        "pip.main(['install', 'x'])\n",
        "cd -1\n",  # `cd - 1`
        "pip if ok else conda\n",
        "pip and conda\n",
    ],
)
def test_python_lines_are_not_masked(source: str) -> None:
    assert mask_cell(source) == (source, [])


def test_masking_keeps_indentation_and_continuations() -> None:
    source = "if True:\n    !pip install \\\n        transformers\n    x = 1\n"
    assert mask_cell(source) == ("if True:\n    pass\n        pass\n    x = 1\n", [2, 3])
    libcst.parse_module("if True:\n    pass\n    x = 1\n")


def test_cell_magics() -> None:
    assert mask_cell("%%bash\necho hi\n") is None
    assert mask_cell("# comment first\n%%html\n<b>x</b>\n") is None
    assert mask_cell("%%timeit\nsum(range(9))\n") == ("pass\nsum(range(9))\n", [1])
    # not on the first line: IPython runs it as a (failing) line magic; masked, not skipped
    assert mask_cell("x = 1\n%%bash\n") == ("x = 1\npass\n", [2])


def test_get_ipython_calls_are_plain_python() -> None:
    source = "get_ipython().run_line_magic('matplotlib', 'inline')\n"
    assert mask_cell(source) == (source, [])


# ---- read errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"cells": [', "invalid notebook JSON"),
        ("[1, 2]", "top level is not a JSON object"),
        ('{"cells": []}', "no `nbformat` version"),
        ('{"nbformat": 3, "worksheets": []}', "notebook format 3 is not supported"),
        ('{"nbformat": 4}', "no `cells` list"),
        ('{"nbformat": 4, "cells": [{"source": "x"}]}', "cell 1: not a notebook cell"),
        (
            '{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}',
            "cell 1: `source` must be a string or a list of strings",
        ),
    ],
)
def test_broken_notebooks_give_clear_errors(text: str, expected: str) -> None:
    result = parse_notebook(text)
    assert isinstance(result, ReadError)
    assert expected in result.message
    assert not result.skipped


def test_json_error_names_line_and_column() -> None:
    result = parse_notebook('{\n "cells": [,]\n}')
    assert isinstance(result, ReadError)
    assert "line 2" in result.message and "column" in result.message


def test_other_languages_are_skipped() -> None:
    text = notebook_json(code("x <- 1"), language_info={"name": "R"})
    result = parse_notebook(text)
    assert isinstance(result, ReadError)
    assert result.skipped and "language: R" in result.message


def test_read_notebook_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_bytes(b"\xff\xfe")
    assert isinstance(read_notebook(path), ReadError)
    path.write_text(SAMPLE, encoding="utf-8")
    assert isinstance(read_notebook(path), Notebook)


# ---- writing back ---------------------------------------------------------------------------
@pytest.mark.parametrize("indent", [1, 2, 4])
def test_unchanged_notebook_round_trips_byte_for_byte(indent: int) -> None:
    text = notebook_json(code(["x = 'ü'\n", "y = 2"]), markdown("ü"), indent=indent)
    assert parsed(text).dumps() == text
    no_newline = text.rstrip("\n")
    assert parsed(no_newline).dumps() == no_newline


def test_edits_change_only_the_cells_they_touch() -> None:
    nb = parsed(SAMPLE)
    # `old_name` on module line 5 (cell 4, line 2) and module line 10 (cell 6, line 3)
    edits = [
        Edit(Range.of(5, 0, 5, 8), "new_name"),
        Edit(Range.of(10, 0, 10, 8), "new_name"),
    ]
    assert nb.accepts(edits)
    fixed = nb.apply(edits)
    before, after = json.loads(SAMPLE), json.loads(fixed.dumps())
    assert after["cells"][3]["source"] == "%%time\nnew_name = 1\nold_name?\nrisky_call()"
    assert after["cells"][5]["source"] == ["y = (1\n", "     % 2)\n", "new_name"]
    for index in (0, 1, 2, 4):
        assert after["cells"][index] == before["cells"][index]
    assert after["cells"][3]["outputs"] == before["cells"][3]["outputs"]
    assert after["cells"][3]["execution_count"] == 7
    assert after["metadata"] == before["metadata"]
    assert fixed.dumps().startswith('{\n "cells": [\n  {\n   "cell_type"')
    assert fixed.dumps().endswith("}\n")
    assert "new_name = 1" in fixed.text


def test_insertion_at_a_cells_end_stays_in_that_cell() -> None:
    nb = parsed(notebook_json(code("import transformers"), code("x = 1\n")))
    fixed = nb.apply([Edit(Range.of(2, 0, 2, 0), "import os\n")])
    sources = [c["source"] for c in json.loads(fixed.dumps())["cells"]]
    assert sources == ["import transformers", "import os\nx = 1\n"]
    end_of_first = nb.apply([Edit(Range.of(1, 19, 2, 0), "\nimport os\n")])
    sources = [c["source"] for c in json.loads(end_of_first.dumps())["cells"]]
    assert sources == ["import transformers\nimport os", "x = 1\n"]


def test_edits_across_cells_or_on_magic_lines_are_refused() -> None:
    nb = parsed(SAMPLE)
    across = Edit(Range.of(3, 0, 5, 3), "")
    on_magic = Edit(Range.of(1, 0, 1, 4), "import os")
    before_magic = Edit(Range.of(1, 0, 1, 0), "import os\n")
    assert not nb.accepts([across])
    assert not nb.accepts([on_magic])
    assert nb.accepts([before_magic])
    with pytest.raises(NotebookEditError):
        nb.apply([across])
    fixed = nb.apply([before_magic])
    assert json.loads(fixed.dumps())["cells"][1]["source"][:2] == [
        "import os\n",
        "!pip install transformers\n",
    ]


# ---- through the command line -----------------------------------------------------------------
def test_cli_reports_notebook_findings_by_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(SAMPLE, encoding="utf-8")
    text = run_cli(["check", "nb.ipynb"], tmp_path, tmp_path)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[:3] == [
        "nb.ipynb:cell 4:2:1: HF098 [warning] [*] `old_name` is a test finding",
        "nb.ipynb:cell 4:4:1: HF099 [error] `risky_call` is a test finding",
        "nb.ipynb:cell 6:3:1: HF098 [warning] [*] `old_name` is a test finding",
    ]
    assert "HF001" not in text.stdout  # magics are masked, not syntax errors
    data = json.loads(
        run_cli(["check", "nb.ipynb", "--output-format", "json"], tmp_path, tmp_path).stdout
    )
    assert [(d["cell"], d["location"], d["end_location"]) for d in data] == [
        (4, {"row": 2, "column": 1}, {"row": 2, "column": 9}),
        (4, {"row": 4, "column": 1}, {"row": 4, "column": 11}),
        (6, {"row": 3, "column": 1}, {"row": 3, "column": 9}),
    ]


def test_cli_fix_writes_the_notebook_back(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(SAMPLE, encoding="utf-8")
    diff = run_cli(["check", "nb.ipynb", "--diff"], tmp_path, tmp_path)
    assert diff.returncode == 1
    assert "--- nb.ipynb:cell 4\n+++ nb.ipynb:cell 4\n" in diff.stdout
    assert "+new_name = 1" in diff.stdout
    assert path.read_text(encoding="utf-8") == SAMPLE
    fixed = run_cli(["check", "nb.ipynb", "--fix", "--unsafe-fixes"], tmp_path, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "3 fixed, 0 remaining" in fixed.stdout
    after = path.read_text(encoding="utf-8")
    expected = (
        SAMPLE.replace("old_name = 1", "new_name = 1")
        .replace("risky_call()", "careful_call()")
        .replace('"old_name"', '"new_name"')
    )
    assert after == expected


def test_cli_reports_a_broken_notebook_and_checks_the_rest(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "ok.py").write_text("import transformers\nold_name\n", encoding="utf-8")
    result = run_cli(["check", "."], tmp_path, tmp_path)
    assert result.returncode == 1
    assert (
        "broken.ipynb:1:1: HF002 [error] Cannot check this file: invalid notebook JSON"
        in result.stdout
    )
    assert "ok.py:2:1: HF098" in result.stdout
    assert "hflint: warning: broken.ipynb: invalid notebook JSON" in result.stderr
