"""The efficientrec-client command: declared as a console script, printing the same TSV as
`efficientrec query`, and reporting errors with its exit status."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import histories_tsv, run

HISTORY_TEXT = "50:5,172:5,181:4"


def cli_command() -> List[str]:
    """The installed console script next to this interpreter, else `python -m efficientrec`."""
    script = Path(sys.executable).parent / "efficientrec-client"
    if script.is_file():
        return [str(script)]
    found = shutil.which("efficientrec-client")
    return [found] if found else [sys.executable, "-m", "efficientrec"]


def test_the_console_script_is_declared():
    try:
        from importlib.metadata import entry_points
    except ImportError:  # pragma: no cover
        pytest.skip("importlib.metadata is missing")
    try:
        scripts = entry_points(group="console_scripts")
    except TypeError:  # Python 3.9
        scripts = entry_points().get("console_scripts", [])
    mine = [e for e in scripts if e.name == "efficientrec-client"]
    if not mine:
        pytest.skip("the package is not installed (tests run from the sources)")
    assert mine[0].value == "efficientrec.cli:main"


def test_the_cli_prints_the_same_tsv_as_query(cluster, binary, interactions, tmp_path):
    excluded = tmp_path / "exclude.txt"
    excluded.write_text("174\n127\n", encoding="utf-8")
    cases = [
        ["--history", HISTORY_TEXT, "-k", "12"],
        ["--history", HISTORY_TEXT, "-k", "12", "--exclude-items", str(excluded), "--where", "year >= 1960",
         "--where", "genre not in Drama"],
        ["--history", HISTORY_TEXT, "-k", "6", "--explain"],
        ["--history", "50,172", "-k", "5"],
    ]
    histories = str(histories_tsv(interactions, tmp_path / "histories.tsv"))
    batch_cases = [["--histories", histories, "-k", "5"], ["--histories", histories, "-k", "5", "--explain"]]
    outputs = []
    for args in cases + batch_cases:
        swift = run(binary, ["query", "--coordinator", cluster.endpoint] + args)
        assert swift.returncode == 0, swift.stderr
        python = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint] + args, capture_output=True, text=True,
                                timeout=120)
        assert python.returncode == 0, python.stderr
        assert python.stdout == swift.stdout, args
        outputs.append(python.stdout)
    assert len(outputs[0].splitlines()) == 13
    assert outputs[1] != outputs[0], "the filters changed the answer"
    assert outputs[2].splitlines()[0].endswith("\tclusters\tbecause")
    assert len(outputs[4].splitlines()) > 50
    batched = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint] + batch_cases[0] + ["--batch", "7"],
                             capture_output=True, text=True, timeout=120)
    assert batched.returncode == 0 and batched.stdout == outputs[4]


def test_the_cli_reports_errors_with_exit_status_1(cluster):
    bad = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint, "--history", HISTORY_TEXT, "--where", "genre in Polka"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "genre" in bad.stderr and bad.stdout == ""
    usage = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "exactly one of --history and --histories" in usage.stderr
