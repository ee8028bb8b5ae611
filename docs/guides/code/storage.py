"""The code shown in docs/guides/leaderboards-storage.md; tests/test_docs_guides.py runs it."""
from __future__ import annotations

import nakama_sync
from nakama_sync import ReadStorageObjectId, WriteStorageObject
from nakama_sync.paging import items


def scores(client: nakama_sync.Client, session: nakama_sync.Session, board: str) -> list[str]:
    # --8<-- [start:scores]
    mine = client.write_leaderboard_record(session, board, 1200, metadata={"level": 3})
    print("my rank:", mine.rank)
    top = client.list_leaderboard_records(session, board, limit=10).records
    near = client.list_leaderboard_records_around_owner(session, board, limit=5).records
    table = [f"{r.rank}. {r.username} {r.score}" for r in top]
    # --8<-- [end:scores]
    assert near
    return table


def save_and_load(client: nakama_sync.Client, session: nakama_sync.Session) -> dict[str, object]:
    # --8<-- [start:storage]
    client.write_storage_objects(session, [WriteStorageObject("saves", "slot1", {"level": 3, "hp": 80})])

    found = client.read_storage_objects(session, [ReadStorageObjectId("saves", "slot1", session.user_id)])
    save = found.objects[0]                         # save.value == {"level": 3, "hp": 80}

    try:   # write only if nobody changed it since we read it: pass the version we read
        client.write_storage_objects(session, [
            WriteStorageObject("saves", "slot1", {"level": 4, "hp": 80}, version=save.version),
        ])
    except nakama_sync.ApiError as exc:             # it changed meanwhile: read again, merge, retry
        print("someone else saved first:", exc.message)
    # --8<-- [end:storage]
    return dict(save.value)


def every_save(client: nakama_sync.Client, session: nakama_sync.Session) -> list[str]:
    # --8<-- [start:paging]
    keys = [obj.key for obj in items(client.list_storage_objects, session, "saves", session.user_id, limit=100)]
    # --8<-- [end:paging]
    return keys
