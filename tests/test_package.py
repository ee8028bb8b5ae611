"""The package's public surface: what `import nakama_sync` promises (../shared/API.md)."""
from __future__ import annotations

import importlib
import pkgutil

import nakama_sync
import nakama_sync.models


def test_every_model_module_is_exported() -> None:
    for info in pkgutil.iter_modules(nakama_sync.models.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"nakama_sync.models.{info.name}")
        missing = set(module.__all__) - set(nakama_sync.models.__all__)
        assert not missing, f"models/{info.name}.py names missing from models.__all__: {sorted(missing)}"
        missing_top = set(module.__all__) - set(nakama_sync.__all__)
        assert not missing_top, f"models/{info.name}.py names missing from nakama_sync.__all__: {sorted(missing_top)}"


def test_public_names_of_api_md_exist() -> None:
    for name in ("Client", "Session", "Socket", "NakamaError", "ApiError", "SocketError", "RequestTimeout",
                 "ConnectionClosed", "__version__"):
        assert hasattr(nakama_sync, name), name
    for name in nakama_sync.__all__:
        assert hasattr(nakama_sync, name), name
    assert issubclass(nakama_sync.RequestTimeout, TimeoutError)
    assert issubclass(nakama_sync.ConnectionClosed, ConnectionError)


def test_typed_package() -> None:
    from importlib.resources import files
    assert files("nakama_sync").joinpath("py.typed").is_file()


def test_no_shipped_file_points_to_protocol_md() -> None:
    """PROTOCOL.md is a maintainers' reference outside the repo: the package (client and dev server),
    samples, docs, benchmarks, tools and README explain the behaviour inline or link Nakama's public docs.
    (CHANGELOG.md keeps its history; tests may cite the maintainers' file on purpose.)"""
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    package = Path(nakama_sync.__file__).resolve().parent   # the installed one in CI's wheel stage
    files = [root / "README.md", root / "BENCHMARKS.md", root / "pyproject.toml", root / "mkdocs.yml"]
    for folder in (package, root / "samples", root / "docs", root / "benchmarks", root / "tools"):
        files += [p for p in folder.rglob("*") if p.is_file() and p.suffix not in {".png", ".pyc"}]
    assert len(files) > 100 and package / "devserver" / "_ws.py" in files
    pointing = [str(p) for p in files if "PROTOCOL.md" in p.read_text(encoding="utf-8", errors="replace")]
    assert pointing == []
