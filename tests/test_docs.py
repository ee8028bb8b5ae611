"""The documentation site (mkdocs.yml, docs/): it builds in strict mode and its reference covers the API.

The build tests need the ``docs`` extra (``pip install -e ".[docs]"``) and are skipped without it; the
other checks read the Markdown sources and the code, and always run.
"""
from __future__ import annotations

import html
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import blinker
import pytest

import nakama_sync
from nakama_sync import _events

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
DIRECTIVE = re.compile(r"^::: *([\w.]+)[ \t]*\n((?:[ \t]+.*\n)*)", re.MULTILINE)


def public_modules() -> dict[str, ModuleType]:
    """nakama_sync and every submodule whose dotted name has no part starting with ``_``."""
    modules = {"nakama_sync": nakama_sync}
    for info in pkgutil.walk_packages(nakama_sync.__path__, "nakama_sync."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            modules[info.name] = importlib.import_module(info.name)
        except ImportError as exc:   # an engine integration whose engine is not installed
            if exc.name in ("pygame", "panda3d", "direct", "aiohttp"):
                continue
            raise
    return modules


def public_names() -> dict[str, set[str]]:
    """``"module.name"`` of each ``__all__`` entry -> every public dotted path of the same object."""
    modules = public_modules()
    paths_of: dict[int, set[str]] = {}
    entries: list[tuple[str, Any]] = []
    for module_name, module in modules.items():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            entries.append((f"{module_name}.{name}", obj))
            paths_of.setdefault(id(obj), set()).add(f"{module_name}.{name}")
    result: dict[str, set[str]] = {}
    for path, obj in entries:
        paths = set(paths_of[id(obj)]) if not isinstance(obj, (str, int, tuple)) else {path}
        if isinstance(obj, ModuleType):
            paths.add(obj.__name__)
        elif hasattr(obj, "__qualname__") and hasattr(obj, "__module__"):
            paths.add(f"{obj.__module__}.{obj.__qualname__}")
        result[path] = paths
    return result


def directives() -> dict[str, str]:
    """Every ``::: path`` of the reference pages -> its options block."""
    found: dict[str, str] = {}
    for page in REFERENCE.rglob("*.md"):
        for match in DIRECTIVE.finditer(page.read_text()):
            found[match.group(1)] = match.group(2)
    return found


def test_every_public_name_has_a_reference_directive() -> None:
    """Each ``__all__`` name is rendered by a ``:::`` directive: its own, or its module's with members."""
    documented = directives()
    covered: set[str] = set(documented)
    for path, options in documented.items():
        if "members: false" in options:
            continue
        try:
            module = importlib.import_module(path)
        except ImportError:
            continue
        covered.update(f"{path}.{name}" for name in getattr(module, "__all__", ()))
    missing = sorted(path for path, paths in public_names().items() if not paths & covered)
    assert not missing, f"public names with no page in docs/reference/: {missing}"


def signal_event_types() -> dict[str, set[str]]:
    """Each socket signal -> the names of the event types its handlers get (from the code's tables)."""
    types: dict[str, set[str]] = {name: set() for name in _events.SIGNAL_NAMES}
    table = getattr(_events, "SIGNALS", None)   # signal -> event types, where the code keeps one
    if isinstance(table, dict):
        for name, kinds in table.items():
            types[name].update(kind.__name__ for kind in kinds)
    for _key, (name, parser) in getattr(_events, "EVENTS", {}).items():   # envelope -> (signal, parser)
        model = getattr(parser, "__self__", None)   # Model.from_wire is a bound classmethod
        if isinstance(model, type):
            types[name].add(model.__name__)
    return types


def test_every_signal_is_in_the_signals_table_with_its_event_type() -> None:
    page = (REFERENCE / "signals.md").read_text()
    table = page.split("## Every signal and its event", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", table, re.MULTILINE)}
    with nakama_sync.Client() as client:
        socket = client.create_socket()
        signals = {name for name in dir(socket) if isinstance(getattr(socket, name, None), blinker.Signal)}
    assert signals == set(_events.SIGNAL_NAMES)
    assert signals <= set(rows), f"signals missing from docs/reference/signals.md: {signals - set(rows)}"
    types = signal_event_types()
    assert sum(map(len, types.values())) >= 15, "the code's signal tables were not found"
    for name, kinds in types.items():
        for kind in kinds:
            assert f"`{kind}`" in rows[name], (name, kind)


def test_every_tutorial_step_is_shown_on_a_tutorial_page() -> None:
    pages = "".join(p.read_text() for p in (DOCS / "tutorial").glob("*.md"))
    steps = sorted((DOCS / "tutorial").glob("step*.py"))
    assert len(steps) >= 5
    for step in steps:
        assert f'--8<-- "docs/tutorial/{step.name}"' in pages, step.name


# ---- the build (needs the docs extra) ----------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        pytest.importorskip(module, reason="the docs extra is not installed")
    if not (ROOT / "mkdocs.yml").exists():
        pytest.skip("no mkdocs.yml beside the tests (a copy of them, as in CI's wheel stage)")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_the_site_builds_in_strict_mode(site: Path) -> None:
    assert (site / "index.html").exists()
    assert (site / "tutorial" / "index.html").exists()
    assert (site / "images" / "threads.svg").exists()


def test_every_public_name_appears_in_the_built_reference(site: Path) -> None:
    anchors: set[str] = set()
    for page in (site / "reference").rglob("*.html"):
        anchors.update(re.findall(r'id="(nakama_sync[\w.]*)"', page.read_text()))
    missing = sorted(path for path, paths in public_names().items() if not paths & anchors)
    assert not missing, f"public names with no entry in the built reference: {missing}"
    # every public method and property of the main classes, and every signal, has its own entry
    members = [(cls, name) for cls in (nakama_sync.Client, nakama_sync.Socket, nakama_sync.Session,
                                       nakama_sync.socket.SocketFuture)
               for name in dir(cls) if not name.startswith("_")]
    members += [(nakama_sync.Socket, name) for name in _events.SIGNAL_NAMES]
    assert len(members) > 150, len(members)
    suffixes = {anchor.rsplit(".", 2)[-2] + "." + anchor.rsplit(".", 1)[-1] for anchor in anchors if anchor.count(".") >= 2}
    missing = sorted(f"{cls.__name__}.{name}" for cls, name in members if f"{cls.__name__}.{name}" not in suffixes)
    assert not missing, f"members with no entry in the built reference: {missing}"


def test_tutorial_pages_show_the_real_programs(site: Path) -> None:
    """Each step's page holds the program itself (its docstring's first line is in the rendered text)."""
    text = ""
    for page in (site / "tutorial").rglob("*.html"):
        text += html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
    for step in sorted((DOCS / "tutorial").glob("step*.py")):
        first_line = step.read_text().split('"""')[1].splitlines()[0]
        assert first_line in text, step.name


def test_the_code_the_docs_show_passes_mypy_strict_and_ruff() -> None:
    """Readers copy it into games that run ``mypy --strict``: the tutorial steps and the guides' code."""
    pytest.importorskip("mypy")
    files = sorted(str(p.relative_to(ROOT)) for p in [*(DOCS / "tutorial").glob("*.py"), *(DOCS / "guides").rglob("*.py")])
    assert len(files) >= 8
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                             str(ROOT / ".mypy_cache"), *files], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is not None:
        result = subprocess.run([ruff, "check", "--quiet", *files], cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_keeps_the_ci_command_and_links_only_to_files_that_exist() -> None:
    if not (ROOT / "README.md").exists():
        pytest.skip("no README beside the tests (a copy of them, as in CI's wheel stage)")
    readme = (ROOT / "README.md").read_text()
    ci = ROOT / ".ci" / "run"
    if ci.exists():   # CI runs the README's test command verbatim: the line after the "verbatim" comment
        lines = ci.read_text().splitlines()
        marker = next((i for i, line in enumerate(lines) if "README's test command, verbatim (keep in sync" in line),
                      None)
        assert marker is not None, ".ci/run no longer marks the README's test command"
        command = lines[marker + 1].strip()
        assert command in readme, command
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 10, local
    for link in local:
        assert (ROOT / link).exists(), f"README links to {link}, which does not exist"
