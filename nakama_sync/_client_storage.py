"""Client methods: storage (a mixin of Client; see _client_base for the contract).

Objects to write, read or delete may be given as the request helpers of ``nakama_sync.models.storage``
(``WriteStorageObject``, ``ReadStorageObjectId``, ``DeleteStorageObjectId``), as dicts with the same
keys, or (reads and deletes) as tuples ``(collection, key, user_id_or_version)``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .exceptions import InvalidArgumentType
from .models.storage import (
    DeleteStorageObjectId,
    ReadStorageObjectId,
    StorageObjectAcks,
    StorageObjectList,
    StorageObjects,
    WriteStorageObject,
)
from .session import Session

__all__ = ["_StorageApi"]

_WRITE_KEYS = ("collection", "key", "value", "version", "permission_read", "permission_write")


def _write_wire(obj: WriteStorageObject | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(obj, WriteStorageObject):
        return obj.to_wire()
    if not isinstance(obj, Mapping):
        raise InvalidArgumentType(f"a storage write must be a WriteStorageObject or a dict, not {type(obj).__name__}")
    unknown = set(obj) - set(_WRITE_KEYS)
    if unknown:
        raise InvalidArgumentType(f"unknown storage write key(s): {', '.join(sorted(unknown))}")
    if "collection" not in obj or "key" not in obj or "value" not in obj:
        raise InvalidArgumentType("a storage write needs collection, key and value")
    return WriteStorageObject(**obj).to_wire()


def _id_wire(obj: Any, cls: type, third: str) -> dict[str, Any]:
    if isinstance(obj, cls):
        return obj.to_wire()  # type: ignore[attr-defined]
    if isinstance(obj, Mapping):
        unknown = set(obj) - {"collection", "key", third}
        if unknown:
            raise InvalidArgumentType(f"unknown storage id key(s): {', '.join(sorted(unknown))}")
        return cls(**obj).to_wire()  # type: ignore[no-any-return]
    if isinstance(obj, (tuple, list)) and 2 <= len(obj) <= 3:
        return cls(*obj).to_wire()  # type: ignore[no-any-return]
    raise InvalidArgumentType(f"a storage object id must be a {cls.__name__}, a dict or a tuple, not {type(obj).__name__}")


class _StorageApi(_ClientBase):
    @checked
    def write_storage_objects(self, session: Session,
                              objects: Iterable[WriteStorageObject | Mapping[str, Any]]) -> StorageObjectAcks:
        """Write objects you own, all or none. A version mismatch raises ApiError (400).

        Example: ``ack = client.write_storage_objects(session, [WriteStorageObject("saves", "s1", {"hp": 1})]).acks[0]``
        Thread: any thread; blocks on one HTTP request (never retried: writes may be conditional).
        """
        body = {"objects": [_write_wire(o) for o in objects]}
        return StorageObjectAcks.from_wire(self._call("PUT", "/v2/storage", session, body=body, retry=False))
    write_storage_objects_nowait = nowait(write_storage_objects)

    @checked
    def read_storage_objects(self, session: Session,
                             object_ids: Iterable[ReadStorageObjectId | Mapping[str, Any] | tuple[str, ...]]
                             ) -> StorageObjects:
        """Read objects by (collection, key, owner); those missing or not readable are left out.

        Example: ``objs = client.read_storage_objects(session, [("saves", "s1", session.user_id)]).objects``
        Thread: any thread; blocks on one HTTP request.
        """
        body = {"object_ids": [_id_wire(o, ReadStorageObjectId, "user_id") for o in object_ids]}
        return StorageObjects.from_wire(self._call("POST", "/v2/storage", session, body=body, retry=True))
    read_storage_objects_nowait = nowait(read_storage_objects)

    @checked
    def list_storage_objects(self, session: Session, collection: str, user_id: str | None = None,
                             limit: int | None = None, cursor: str | None = None) -> StorageObjectList:
        """One page of a collection: ``user_id``'s objects (all of yours; only the public ones of another
        user), or with no ``user_id`` the public (read permission 2) objects of every user.

        Example: ``page = client.list_storage_objects(session, "saves", session.user_id, limit=100)``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"limit": limit, "cursor": cursor or None}
        if user_id:
            path = f"/v2/storage/{_quote(collection)}/{_quote(user_id)}"
        else:
            path = f"/v2/storage/{_quote(collection)}"
        return StorageObjectList.from_wire(self._call("GET", path, session, query=query))
    list_storage_objects_nowait = nowait(list_storage_objects)

    @checked
    def delete_storage_objects(self, session: Session,
                               object_ids: Iterable[DeleteStorageObjectId | Mapping[str, Any] | tuple[str, ...]]
                               ) -> None:
        """Delete objects you own, all or none; a missing object or wrong version raises ApiError (400).

        Example: ``client.delete_storage_objects(session, [("saves", "s1")])``
        Thread: any thread; blocks on one HTTP request.
        """
        body = {"object_ids": [_id_wire(o, DeleteStorageObjectId, "version") for o in object_ids]}
        self._call("PUT", "/v2/storage/delete", session, body=body, retry=False)
    delete_storage_objects_nowait = nowait(delete_storage_objects)


