"""Tournaments over HTTP: list with filters, join, write, records, around owner, delete."""
from __future__ import annotations

import time

import pytest

from nakama_sync import ApiError
from nakama_sync.paging import items, pages

from ._fixtures_server import CUP_JOIN, CUP_OPEN


def test_list_tournaments_with_category_filter(client, new_session):
    s = new_session()
    found = client.list_tournaments(s, category_start=42, category_end=42, limit=100).tournaments
    cup = next(t for t in found if t.id == CUP_JOIN)
    assert (cup.title, cup.description, cup.category, cup.join_required, cup.can_enter) == \
        ("Cup", "desc", 42, True, True)
    assert cup.duration > 0 and cup.start_time is not None and cup.end_active > cup.start_active
    assert all(t.category == 42 for t in found)
    every = [t.id for t in items(client.list_tournaments, s, category_start=42, category_end=43, limit=1)]
    assert {CUP_JOIN, CUP_OPEN} <= set(every)
    assert len(list(pages(client.list_tournaments, s, category_start=42, category_end=43, limit=1))) >= 2


def test_join_required_then_write(client, new_session):
    s = new_session()
    with pytest.raises(ApiError) as err:
        client.write_tournament_record(s, CUP_JOIN, 10)
    assert err.value.message == "Must join tournament before attempting to write value."
    client.join_tournament(s, CUP_JOIN)
    rec = client.write_tournament_record(s, CUP_JOIN, 10, metadata={"lap": 1})
    assert (rec.leaderboard_id, rec.owner_id, rec.score) == (CUP_JOIN, s.user_id, 10)
    page = client.list_tournament_records(s, CUP_JOIN, owner_ids=[s.user_id], limit=1)
    assert [r.score for r in page.owner_records] == [10]
    near = client.list_tournament_records_around_owner(s, CUP_JOIN, limit=1).records
    assert [r.owner_id for r in near] == [s.user_id]
    client.delete_tournament_record(s, CUP_JOIN)
    assert client.list_tournament_records(s, CUP_JOIN, owner_ids=[s.user_id]).owner_records == []


def test_max_num_score_and_paging(client, new_session):
    users = [new_session() for _ in range(3)]
    base = time.time_ns() // 1000  # above every earlier run's scores
    for i, u in enumerate(users):
        client.write_tournament_record(u, CUP_OPEN, base - i)
    s = users[0]
    client.write_tournament_record(s, CUP_OPEN, 1)
    client.write_tournament_record(s, CUP_OPEN, 1)
    with pytest.raises(ApiError) as err:
        client.write_tournament_record(s, CUP_OPEN, 1)
    assert err.value.message == "Reached allowed max number of score attempts."
    got = list(pages(client.list_tournament_records, s, CUP_OPEN, limit=1, max_pages=3))
    assert [r.owner_id for p in got for r in p.records] == [u.user_id for u in users]


def test_unknown_tournament(client, new_session):
    s = new_session()
    with pytest.raises(ApiError) as err:
        client.join_tournament(s, "nsync_no_such_cup")
    assert (err.value.status_code, err.value.message) == (404, "Tournament not found.")


@pytest.mark.devserver_only("loads a dev server config file")
def test_devserver_config_file_declares_boards(devserver, tmp_path):
    import json

    from nakama_sync import Client
    from nakama_sync.devserver import DevServer
    from nakama_sync.devserver.__main__ import _load_config

    cfg = tmp_path / "boards.json"
    cfg.write_text(json.dumps({"leaderboards": [{"id": "cfg_board", "operator": "incr"}],
                               "tournaments": [{"id": "cfg_cup", "duration": 60, "title": "T"}]}))
    server = DevServer(port=0)
    _load_config(server, str(cfg))
    with server:
        c = Client(port=server.port)
        try:
            s = c.authenticate_device("cfg-device-0001", create=True)
            c.write_leaderboard_record(s, "cfg_board", 2)
            assert c.write_leaderboard_record(s, "cfg_board", 3).score == 5
            assert [t.title for t in c.list_tournaments(s).tournaments] == ["T"]
        finally:
            c.close()
