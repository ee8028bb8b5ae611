"""Field-name spellings of Nakama's JSON: protobuf names (snake_case) and their JSON names (camelCase)."""
from __future__ import annotations

__all__ = ["camel", "snake"]


def snake(name: str) -> str:
    """``"permissionRead"`` -> ``"permission_read"`` (snake_case names pass unchanged)."""
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def camel(name: str) -> str:
    """``"permission_read"`` -> ``"permissionRead"``."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)
