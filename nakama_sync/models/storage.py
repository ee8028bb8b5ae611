"""Models: storage objects (see nakama_sync.models).

Read models come from the server (``StorageObject``, ``StorageObjectAck``, ...). The request helpers
``WriteStorageObject``, ``ReadStorageObjectId`` and ``DeleteStorageObjectId`` describe what to send;
the client methods also accept plain dicts with the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar

from .. import _wire
from ..exceptions import InvalidArgumentType
from ._base import Model, model, wire_field

__all__ = [
    "DeleteStorageObjectId",
    "ReadStorageObjectId",
    "StorageObject",
    "StorageObjectAck",
    "StorageObjectAcks",
    "StorageObjectList",
    "StorageObjects",
    "StoragePermissionRead",
    "StoragePermissionWrite",
    "WriteStorageObject",
]


class StoragePermissionRead(IntEnum):
    """``permission_read`` values (``PUBLIC`` is another name of ``PUBLIC_READ``).

    Example: ``WriteStorageObject("c", "k", {}, permission_read=StoragePermissionRead.PUBLIC)``
    """

    NO_READ = 0
    OWNER_READ = 1
    PUBLIC_READ = 2
    PUBLIC = 2


class StoragePermissionWrite(IntEnum):
    """``permission_write`` values. Example: ``permission_write=StoragePermissionWrite.NO_WRITE``"""

    NO_WRITE = 0
    OWNER_WRITE = 1


_PERMISSIONS: dict[str, type[IntEnum]] = {"permission_read": StoragePermissionRead,
                                           "permission_write": StoragePermissionWrite}


@model
class StorageObject(Model):
    """A stored object; ``value`` is the parsed JSON object, ``version`` its hash for conditional writes.

    Example: ``hp = client.read_storage_objects(session, [("saves", "slot1", uid)]).objects[0].value["hp"]``
    Thread safety: immutable; any thread may read it.
    """

    collection: str = ""
    key: str = ""
    user_id: str = ""
    value: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    version: str = ""
    permission_read: StoragePermissionRead = StoragePermissionRead.NO_READ
    permission_write: StoragePermissionWrite = StoragePermissionWrite.NO_WRITE
    create_time: datetime | None = None
    update_time: datetime | None = None


@model
class StorageObjectAck(Model):
    """The server's receipt for one written object, with its new ``version``.

    Example: ``version = client.write_storage_objects(session, [obj]).acks[0].version``
    Thread safety: immutable; any thread may read it.
    """

    collection: str = ""
    key: str = ""
    version: str = ""
    user_id: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None


@model
class StorageObjectAcks(Model):
    """The receipts of a write, in the order of the objects sent.

    Example: ``acks = client.write_storage_objects(session, objs).acks``
    Thread safety: immutable; any thread may read it.
    """

    acks: list[StorageObjectAck] = wire_field(default_factory=list)


@model
class StorageObjects(Model):
    """The objects found by a read (missing or unreadable ones are left out).

    Example: ``objs = client.read_storage_objects(session, ids).objects``
    Thread safety: immutable; any thread may read it.
    """

    objects: list[StorageObject] = wire_field(default_factory=list)


@model
class StorageObjectList(Model):
    """One page of a collection; ``cursor`` is empty on the last page.

    Example: ``page = client.list_storage_objects(session, "saves", user_id=uid, limit=50)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "objects"
    objects: list[StorageObject] = wire_field(default_factory=list)
    cursor: str = ""


@dataclass(frozen=True)
class WriteStorageObject:
    """One object to write. ``value`` is a dict (or JSON object text); ``version`` ``"*"`` means
    "only if it does not exist", a version hash "only if unchanged"; permissions are sent only when given.

    Example: ``WriteStorageObject("saves", "slot1", {"hp": 10}, version="*")``
    Thread safety: immutable; any thread may use it.
    """

    collection: str
    key: str
    value: Any
    version: str | None = None
    permission_read: StoragePermissionRead | int | None = None
    permission_write: StoragePermissionWrite | int | None = None

    def to_wire(self) -> dict[str, Any]:
        """The request JSON (a permission that is not an int raises InvalidArgumentType).

        Example: ``obj.to_wire()["value"] == '{"hp":10}'``
        """
        out: dict[str, Any] = {"collection": self.collection, "key": self.key,
                               "value": _wire.json_text(self.value)}
        if self.version is not None:
            out["version"] = self.version
        for name in ("permission_read", "permission_write"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidArgumentType(f"{name} must be a {_PERMISSIONS[name].__name__} (an int), "
                                          f"not {type(value).__name__}")
            out[name] = int(value)
        return out


@dataclass(frozen=True)
class ReadStorageObjectId:
    """Which object to read: collection, key and owner (``user_id``; empty for system-owned objects).

    Example: ``ReadStorageObjectId("saves", "slot1", session.user_id)``
    Thread safety: immutable; any thread may use it.
    """

    collection: str
    key: str
    user_id: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The request JSON. Example: ``rid.to_wire()``"""
        out = {"collection": self.collection, "key": self.key}
        if self.user_id:
            out["user_id"] = self.user_id
        return out


@dataclass(frozen=True)
class DeleteStorageObjectId:
    """Which of your objects to delete; with ``version`` only if it is still that version.

    Example: ``DeleteStorageObjectId("saves", "slot1")``
    Thread safety: immutable; any thread may use it.
    """

    collection: str
    key: str
    version: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The request JSON. Example: ``did.to_wire()``"""
        out = {"collection": self.collection, "key": self.key}
        if self.version:
            out["version"] = self.version
        return out
