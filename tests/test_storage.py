"""Storage objects over HTTP: versions, permissions between users, paging, concurrent writes."""
from __future__ import annotations

import threading

import pytest

from nakama_sync import ApiError
from nakama_sync.models import DeleteStorageObjectId, ReadStorageObjectId, WriteStorageObject
from nakama_sync.paging import items, pages

from .conftest import unique


def test_write_read_update_with_versions(client, new_session):
    s = new_session()
    col = unique("saves")
    ack = client.write_storage_objects(s, [WriteStorageObject(col, "slot1", {"hp": 10}, version="*")]).acks[0]
    assert (ack.collection, ack.key, ack.user_id) == (col, "slot1", s.user_id)
    assert len(ack.version) == 32 and ack.create_time is not None
    with pytest.raises(ApiError) as err:
        client.write_storage_objects(s, [WriteStorageObject(col, "slot1", {"hp": 10}, version="*")])
    assert (err.value.status_code, err.value.grpc_code) == (400, 3)
    assert err.value.message == "Storage write rejected - version check failed."
    ack2 = client.write_storage_objects(s, [{"collection": col, "key": "slot1", "value": {"hp": 11},
                                             "version": ack.version}]).acks[0]
    assert ack2.version != ack.version
    with pytest.raises(ApiError):  # stale version
        client.write_storage_objects(s, [WriteStorageObject(col, "slot1", {"hp": 12}, version=ack.version)])
    objs = client.read_storage_objects(s, [ReadStorageObjectId(col, "slot1", s.user_id),
                                           (col, "missing", s.user_id)]).objects
    assert len(objs) == 1
    assert objs[0].value == {"hp": 11} and objs[0].version == ack2.version
    assert (objs[0].permission_read, objs[0].permission_write) == (1, 1)


def test_bad_values_are_rejected(client, new_session):
    s = new_session()
    with pytest.raises(ApiError) as err:
        client.write_storage_objects(s, [WriteStorageObject("c", "k", "[1,2]")])
    assert err.value.message == "Value must be a JSON object."
    with pytest.raises(ApiError) as err:
        client.write_storage_objects(s, [WriteStorageObject("c", "k", {"a": 1}, permission_read=7)])
    assert err.value.message == "Invalid Read permission supplied. It must be either 0, 1 or 2."
    with pytest.raises(TypeError):
        client.write_storage_objects(s, [{"collection": "c", "key": "k", "valu": {}}])


def test_permissions_between_users(client, new_session):
    a, b = new_session(), new_session()
    col = unique("perm")
    client.write_storage_objects(a, [WriteStorageObject(col, "private", {"p": 1}),
                                     WriteStorageObject(col, "public", {"p": 2}, permission_read=2),
                                     WriteStorageObject(col, "hidden", {"p": 0}, permission_read=0)])
    seen = client.read_storage_objects(b, [(col, k, a.user_id) for k in ("private", "public", "hidden")])
    assert [o.key for o in seen.objects] == ["public"]
    own = client.read_storage_objects(a, [(col, k, a.user_id) for k in ("private", "public", "hidden")])
    assert sorted(o.key for o in own.objects) == ["private", "public"]
    listed = client.list_storage_objects(b, col, a.user_id, limit=10).objects
    assert [o.key for o in listed] == ["public"]
    public = [o.key for o in items(client.list_storage_objects, b, col, limit=10)]
    assert public == ["public"]
    # B writes its own object under the same key: A's object is untouched
    client.write_storage_objects(b, [WriteStorageObject(col, "public", {"p": "b"})])
    again = client.read_storage_objects(b, [(col, "public", a.user_id)]).objects
    assert again[0].value == {"p": 2}
    # B cannot delete A's object: the delete only names B's own objects
    with pytest.raises(ApiError):
        client.delete_storage_objects(b, [(col, "private")])


def test_list_walks_pages(client, new_session):
    s = new_session()
    col = unique("page")
    keys = [f"k{i:02d}" for i in range(7)]
    client.write_storage_objects(s, [WriteStorageObject(col, k, {"i": i}) for i, k in enumerate(keys)])
    got = list(pages(client.list_storage_objects, s, col, s.user_id, limit=3))
    assert [len(p.objects) for p in got] == [3, 3, 1]
    assert got[-1].cursor == ""
    assert [o.key for p in got for o in p.objects] == keys
    assert [o.key for o in items(client.list_storage_objects, s, col, user_id=s.user_id, limit=2)] == keys


def test_delete(client, new_session):
    s = new_session()
    col = unique("del")
    ack = client.write_storage_objects(s, [WriteStorageObject(col, "a", {"x": 1})]).acks[0]
    with pytest.raises(ApiError) as err:
        client.delete_storage_objects(s, [DeleteStorageObjectId(col, "a", version="deadbeef")])
    assert err.value.message.startswith("Storage delete rejected")
    client.delete_storage_objects(s, [DeleteStorageObjectId(col, "a", version=ack.version)])
    assert client.read_storage_objects(s, [(col, "a", s.user_id)]).objects == []
    with pytest.raises(ApiError):
        client.delete_storage_objects(s, [(col, "a")])


def test_concurrent_conflicting_writes_exactly_one_wins(target, new_session):
    s = new_session()
    col = unique("race")
    base = target.client()
    try:
        ack = base.write_storage_objects(s, [WriteStorageObject(col, "k", {"n": 0})]).acks[0]
    finally:
        base.close()
    barrier = threading.Barrier(2, timeout=10)
    results: list[object] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        c = target.client()
        try:
            barrier.wait()
            try:
                r: object = c.write_storage_objects(s, [WriteStorageObject(col, "k", {"n": n}, version=ack.version)])
            except ApiError as exc:
                r = exc
            with lock:
                results.append(r)
        finally:
            c.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert len(results) == 2
    errors = [r for r in results if isinstance(r, ApiError)]
    assert len(errors) == 1 and errors[0].grpc_code == 3
