"""The committed protocol-buffer modules (src/efficientrec/v1) match the protos, as generate.sh
--check tells."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import PACKAGE_ROOT


def test_the_generated_modules_match_the_protos(tmp_path):
    if shutil.which("protoc") is None:
        pytest.skip("protoc is not installed (apt-get install protobuf-compiler)")
    script = PACKAGE_ROOT / "generate.sh"
    committed = PACKAGE_ROOT / "src" / "efficientrec" / "v1"
    if not committed.is_dir():
        pytest.skip("the tests run without the package sources")
    check = subprocess.run(["bash", str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    copy = tmp_path / "v1"
    shutil.copytree(committed, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True).returncode == 0
    text = (copy / "client_pb2.py").read_text(encoding="utf-8")
    # Another protoc version: its version comment, and another layout of the same descriptors.
    (copy / "client_pb2.py").write_text("# Protobuf Python Version: 9.99.0\n" + text, encoding="utf-8")
    versioned = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert versioned.returncode == 0 and "laid out" not in versioned.stderr, versioned.stderr
    (copy / "client_pb2.py").write_text(text.replace("_sym_db = ", "\n_sym_db = "), encoding="utf-8")
    laid_out = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert laid_out.returncode == 0 and "laid out differently" in laid_out.stderr, laid_out.stderr
    assert "item_ids" in text
    (copy / "client_pb2.py").write_text(text.replace("item_ids", "item_IDs"), encoding="utf-8")
    tampered = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert tampered.returncode == 1 and "differs" in tampered.stderr
