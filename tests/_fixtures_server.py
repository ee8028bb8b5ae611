"""Leaderboards and tournaments the suite uses, declared on the dev server (``tests/nakama_module.lua``
declares the same ones on a real Nakama)."""
from __future__ import annotations

from typing import Any

BOARD_BEST = "nsync_best"        # desc, best
BOARD_INCR = "nsync_incr"        # desc, incr
BOARD_ASC = "nsync_asc"          # asc, set
BOARD_PLAIN = "nsync_plain"      # desc, best, ranks off (Nakama's default)
CUP_JOIN = "nsync_cup"           # desc, best, join required, category 42
CUP_OPEN = "nsync_open_cup"      # desc, incr, max 3 scores per owner, category 43
TEN_YEARS = 315360000


def create_test_boards(server: Any) -> None:
    server.create_leaderboard(BOARD_BEST, sort_order="desc", operator="best", enable_ranks=True)
    server.create_leaderboard(BOARD_INCR, sort_order="desc", operator="incr", enable_ranks=True)
    server.create_leaderboard(BOARD_ASC, sort_order="asc", operator="set", enable_ranks=True)
    server.create_leaderboard(BOARD_PLAIN, sort_order="desc", operator="best")
    server.create_tournament(CUP_JOIN, sort_order="desc", operator="best", title="Cup", description="desc",
                             category=42, duration=TEN_YEARS, join_required=True, enable_ranks=True)
    server.create_tournament(CUP_OPEN, sort_order="desc", operator="incr", title="Open", category=43,
                             duration=TEN_YEARS, max_num_score=3, enable_ranks=True)
