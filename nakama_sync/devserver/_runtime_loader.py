"""Loading server code from Python files (``--modules DIR``), as Nakama loads its runtime modules.

Every ``*.py`` file of the directory (not starting with ``_``; in name order) is imported afresh, so an
edit takes effect the next time the server starts, and its ``init_module(ctx, logger, nk, initializer)``
is called (the shape of Nakama's TypeScript ``InitModule``). A file without ``init_module`` is a helper
the others may import (the directory is on ``sys.path`` while loading).
"""
from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path
from typing import Any

from ..exceptions import NakamaError
from ._hub import RpcContext
from ._runtime_hooks import Initializer

__all__ = ["ModuleLoadError", "load_modules"]

log = logging.getLogger("nakama_sync.devserver.runtime")


class ModuleLoadError(NakamaError):
    """A server module could not be imported or its ``init_module`` raised (the cause is chained).

    Example: ``except ModuleLoadError as exc: print(exc)``. Any thread.
    """


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ModuleLoadError(f"no module file or directory at {path}")
    return sorted(p for p in path.glob("*.py") if not p.name.startswith("_"))


def load_modules(server: Any, path: str | Path) -> list[str]:
    """Import the server modules at ``path`` and run their ``init_module``; returns the loaded names."""
    root = Path(path).resolve()
    files = _files(root)
    directory = str(root if root.is_dir() else root.parent)
    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    loaded = []
    try:
        for file in files:
            name = file.stem
            sys.modules.pop(name, None)   # an edited file is read again, never a cached copy
            spec = importlib.util.spec_from_file_location(name, file)
            if spec is None or spec.loader is None:
                raise ModuleLoadError(f"cannot load {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
                init = getattr(module, "init_module", None)
                if init is not None:
                    init(RpcContext(server, execution_mode="init"), log, server.nk,
                         Initializer(server, server.runtime_hooks))
            except Exception as exc:
                raise ModuleLoadError(f"server module {file} failed to load: {exc}") from exc
            loaded.append(name)
            log.info("loaded server module %s", file)
    finally:
        if added:
            sys.path.remove(directory)
    return loaded
