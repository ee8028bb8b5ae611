"""The base of every model: a frozen dataclass read from protojson by its type hints.

A model declares its fields with Python types; :meth:`Model.from_wire` converts the server's JSON
(int64 strings to ``int``, base64 to ``bytes``, RFC 3339 to ``datetime``, numeric codes to their
``IntEnum``, nested models and lists of models, JSON-in-a-string fields to parsed values) with the strict
readers of ``nakama_sync._decode``: a value of the wrong type raises ``DecodeError`` instead of becoming
a made-up value. The reader is built once per class.

Field options, through :func:`wire_field`:
- ``name="self"``: the wire name when it differs from the attribute (``self`` → ``self_presence``);
- ``json_text=True``: the wire value is a string holding JSON, parsed into a dict (``content``).
"""
from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from .. import _decode

if typing.TYPE_CHECKING:  # type checkers only (mypy ships these stubs): no run-time dependency
    from typing_extensions import Self, dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import Self, dataclass_transform
else:  # Python 3.10: the names exist for typing.get_type_hints(); the decorator changes nothing
    Self = Any

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda fn: fn

__all__ = ["Model", "model", "wire_field"]

M = TypeVar("M", bound="Model")
_MISSING = dataclasses.MISSING


def wire_field(*, name: str | None = None, json_text: bool = False, default: Any = _MISSING,
               default_factory: Any = _MISSING) -> Any:
    """A dataclass field with wire options (see the module docstring).

    Pass ``default=`` or ``default_factory=`` explicitly (type checkers only see those); leaving both out
    also gives ``None`` at run time.
    """
    meta = {"wire_name": name, "json_text": json_text}
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    if default is _MISSING:
        default = None
    return dataclasses.field(default=default, metadata=meta)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, wire_field))
def model(cls: type[M]) -> type[M]:
    """Class decorator: a frozen, slotted dataclass that is a :class:`Model`."""
    return dataclasses.dataclass(frozen=True, slots=True)(cls)  # type: ignore[return-value]


class Model:
    """Base class of the models. Subclasses are made with the :func:`model` decorator.

    Example: ``presence = UserPresence.from_wire({"user_id": "…", "session_id": "…"})``
    Thread safety: models are immutable; any thread may read them.
    """

    __slots__ = ()

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> Self:
        """Build the model from the server's JSON object; ``None`` or ``{}`` gives the defaults.

        Strict: a field of the wrong type raises :class:`~nakama_sync.exceptions.DecodeError` naming the
        model and the field (see the module docstring). Any thread.
        """
        if data is None:
            return cls()
        return _decode.decoder(cls)(data)  # type: ignore[no-any-return]
