"""Leaderboards over HTTP: operators, ranks, owner records, around owner, paging, delete."""
from __future__ import annotations

import time

import pytest

from nakama_sync import ApiError
from nakama_sync.models import Operator
from nakama_sync.paging import pages

from ._fixtures_server import BOARD_ASC, BOARD_BEST, BOARD_INCR, BOARD_PLAIN


def _lowest() -> int:
    """A score below every earlier run's (records stay on a real server between runs); Nakama refuses
    negative scores, so it counts down from 2**62."""
    return (1 << 62) - time.time_ns() // 1000


def test_best_keeps_the_best_score(client, new_session):
    s = new_session()
    rec = client.write_leaderboard_record(s, BOARD_BEST, 100, subscore=1, metadata={"m": 1})
    assert (rec.leaderboard_id, rec.owner_id, rec.username, rec.score, rec.subscore) == \
        (BOARD_BEST, s.user_id, s.username, 100, 1)
    assert rec.metadata == {"m": 1} and rec.num_score == 1 and rec.rank >= 1
    assert client.write_leaderboard_record(s, BOARD_BEST, 50).score == 100
    assert client.write_leaderboard_record(s, BOARD_BEST, 150).score == 150
    assert client.write_leaderboard_record(s, BOARD_BEST, 10, operator=Operator.SET).score == 10


def test_negative_scores_are_refused_as_nakama_does(client, new_session):
    s = new_session()
    for board, score in ((BOARD_BEST, -1), (BOARD_INCR, -5)):
        with pytest.raises(ApiError) as exc:   # Nakama's record table has CHECK (score >= 0)
            client.write_leaderboard_record(s, board, score)
        assert (exc.value.status_code, exc.value.grpc_code) == (500, 13)
        assert exc.value.message == "Error writing score to leaderboard."
    client.write_leaderboard_record(s, BOARD_INCR, 3)
    assert client.write_leaderboard_record(s, BOARD_INCR, 30, operator=Operator.DECREMENT).score == 0


def test_a_board_without_enable_ranks_has_no_ranks(client, new_session):
    s = new_session()
    assert client.write_leaderboard_record(s, BOARD_PLAIN, 5).rank == 0
    page = client.list_leaderboard_records(s, BOARD_PLAIN, owner_ids=[s.user_id], limit=1)
    assert [r.rank for r in page.owner_records] == [0] and page.rank_count == 0
    assert [r.rank for r in page.records] == [1]        # a plain listing still numbers its rows
    near = client.list_leaderboard_records_around_owner(s, BOARD_PLAIN, owner_id=s.user_id, limit=1).records
    assert [(r.owner_id, r.rank) for r in near] == [(s.user_id, 0)]


def test_incr_and_decr(client, new_session):
    s = new_session()
    client.write_leaderboard_record(s, BOARD_INCR, 5)
    assert client.write_leaderboard_record(s, BOARD_INCR, 7).score == 12
    assert client.write_leaderboard_record(s, BOARD_INCR, 2, operator=Operator.DECREMENT).score == 10


def test_owner_records_rank_and_around_owner(client, new_session):
    users = [new_session() for _ in range(5)]
    base = _lowest()
    for i, u in enumerate(users):  # ascending board: lower is better
        client.write_leaderboard_record(u, BOARD_ASC, base + i)
    ids = [u.user_id for u in users]
    page = client.list_leaderboard_records(users[0], BOARD_ASC, owner_ids=ids)
    assert page.records == []
    owners = {r.owner_id: r.rank for r in page.owner_records}
    assert [owners[i] for i in ids] == sorted(owners.values())
    assert page.rank_count >= 5
    near = client.list_leaderboard_records_around_owner(users[0], BOARD_ASC, owner_id=ids[2], limit=3).records
    assert [r.owner_id for r in near] == ids[1:4]
    mine = client.list_leaderboard_records_around_owner(users[4], BOARD_ASC, limit=1).records
    assert [r.owner_id for r in mine] == [ids[4]]


def test_list_walks_pages(client, new_session):
    users = [new_session() for _ in range(5)]
    base = _lowest()
    for i, u in enumerate(users):
        client.write_leaderboard_record(u, BOARD_ASC, base + i)
    got = list(pages(client.list_leaderboard_records, users[0], BOARD_ASC, limit=2, max_pages=3))
    assert [len(p.records) for p in got] == [2, 2, 2]
    first_five = [r for p in got for r in p.records][:5]
    assert [r.owner_id for r in first_five] == [u.user_id for u in users]
    assert [r.rank for r in first_five] == [1, 2, 3, 4, 5]
    assert got[1].prev_cursor != ""


def test_delete_and_unknown_board(client, new_session):
    s = new_session()
    client.write_leaderboard_record(s, BOARD_BEST, 1)
    client.delete_leaderboard_record(s, BOARD_BEST)
    page = client.list_leaderboard_records(s, BOARD_BEST, owner_ids=[s.user_id])
    assert page.owner_records == []
    for call in (lambda: client.write_leaderboard_record(s, "nsync_no_such_board", 1),
                 lambda: client.list_leaderboard_records(s, "nsync_no_such_board", limit=10),
                 lambda: client.delete_leaderboard_record(s, "nsync_no_such_board")):
        with pytest.raises(ApiError) as err:
            call()
        assert (err.value.status_code, err.value.message) == (404, "Leaderboard not found.")
    with pytest.raises(TypeError):
        client.write_leaderboard_record(s, BOARD_BEST, "12")  # type: ignore[arg-type]
