"""Every operation of the HTTP API has a Client method, and some test calls it (tools/api_coverage.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from ._shared import shared_path

_TOOL = Path(__file__).resolve().parent.parent / "tools" / "api_coverage.py"


def _tool():
    spec = importlib.util.spec_from_file_location("api_coverage", _TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_every_operation_has_a_tested_client_method(capsys):
    tool = _tool()
    path = shared_path("nakama-api/apigrpc.swagger.json")
    lines, problems = tool.report(path)
    with capsys.disabled():
        print("\n" + "\n".join(lines[-1:]))
    print("\n".join(lines))
    assert len(lines) - 1 == 88
    assert problems == []
