"""Map every operation of Nakama's HTTP API (the swagger) to a ``nakama_sync.Client`` method and report.

Usage: ``python tools/api_coverage.py [path/to/apigrpc.swagger.json]`` (default: env NAKAMA_SWAGGER, or
../shared/nakama-api/apigrpc.swagger.json next to the repository). Exits 1 when an operation has no
method, or a method is not called by any test file.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# operationId (without "Nakama_") -> Client method
OPERATIONS: dict[str, str] = {
    "Healthcheck": "healthcheck", "GetAccount": "get_account", "DeleteAccount": "delete_account",
    "UpdateAccount": "update_account", "GetUsers": "get_users", "SessionRefresh": "session_refresh",
    "SessionLogout": "session_logout", "RpcFunc": "rpc", "RpcFunc2": "rpc_http_key",
    **{f"Authenticate{k}": f"authenticate_{v}" for k, v in (
        ("Apple", "apple"), ("Custom", "custom"), ("Device", "device"), ("Email", "email"),
        ("Facebook", "facebook"), ("FacebookInstantGame", "facebook_instant_game"),
        ("GameCenter", "game_center"), ("Google", "google"), ("Steam", "steam"))},
    **{f"{verb}{k}": f"{verb.lower()}_{v}" for verb in ("Link", "Unlink") for k, v in (
        ("Apple", "apple"), ("Custom", "custom"), ("Device", "device"), ("Email", "email"),
        ("Facebook", "facebook"), ("FacebookInstantGame", "facebook_instant_game"),
        ("GameCenter", "game_center"), ("Google", "google"), ("Steam", "steam"))},
    "ListChannelMessages": "list_channel_messages", "ListNotifications": "list_notifications",
    "DeleteNotifications": "delete_notifications", "ListParties": "list_parties",
    "GetMatchmakerStats": "get_matchmaker_stats",
    "ListFriends": "list_friends", "AddFriends": "add_friends", "DeleteFriends": "delete_friends",
    "BlockFriends": "block_friends", "ListFriendsOfFriends": "list_friends_of_friends",
    "ImportFacebookFriends": "import_facebook_friends", "ImportSteamFriends": "import_steam_friends",
    "ListGroups": "list_groups", "CreateGroup": "create_group", "UpdateGroup": "update_group",
    "DeleteGroup": "delete_group", "JoinGroup": "join_group", "LeaveGroup": "leave_group",
    "AddGroupUsers": "add_group_users", "KickGroupUsers": "kick_group_users", "BanGroupUsers": "ban_group_users",
    "PromoteGroupUsers": "promote_group_users", "DemoteGroupUsers": "demote_group_users",
    "ListGroupUsers": "list_group_users", "ListUserGroups": "list_user_groups",
    "ReadStorageObjects": "read_storage_objects", "WriteStorageObjects": "write_storage_objects",
    "DeleteStorageObjects": "delete_storage_objects", "ListStorageObjects": "list_storage_objects",
    "ListStorageObjects2": "list_storage_objects",
    "ListLeaderboardRecords": "list_leaderboard_records", "WriteLeaderboardRecord": "write_leaderboard_record",
    "DeleteLeaderboardRecord": "delete_leaderboard_record",
    "ListLeaderboardRecordsAroundOwner": "list_leaderboard_records_around_owner",
    "ListTournaments": "list_tournaments", "JoinTournament": "join_tournament",
    "WriteTournamentRecord": "write_tournament_record", "WriteTournamentRecord2": "write_tournament_record",
    "ListTournamentRecords": "list_tournament_records", "DeleteTournamentRecord": "delete_tournament_record",
    "ListTournamentRecordsAroundOwner": "list_tournament_records_around_owner",
    "ListMatches": "list_matches", "Event": "event",
    "ValidatePurchaseApple": "validate_purchase_apple", "ValidatePurchaseGoogle": "validate_purchase_google",
    "ValidatePurchaseHuawei": "validate_purchase_huawei",
    "ValidatePurchaseFacebookInstant": "validate_purchase_facebook_instant",
    "ValidateSubscriptionApple": "validate_subscription_apple",
    "ValidateSubscriptionGoogle": "validate_subscription_google",
    "GetSubscription": "get_subscription", "ListSubscriptions": "list_subscriptions",
}
# routes in Nakama's gateway proto (apigrpc.proto) that the swagger file lacks
EXTRA = {"ValidatePurchaseSamsung": "validate_purchase_samsung"}


def swagger_path() -> Path:
    env = os.environ.get("NAKAMA_SWAGGER")
    return Path(env) if env else REPO.parent / "shared" / "nakama-api" / "apigrpc.swagger.json"


def operation_ids(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    ids = [op["operationId"] for ops in data["paths"].values() for op in ops.values() if "operationId" in op]
    return [i.split("_", 1)[1] if i.startswith("Nakama_") else i for i in ids]


def called_in_tests() -> set[str]:
    names: set[str] = set()
    for f in (REPO / "tests").glob("test_*.py"):
        names.update(re.findall(r"\.([a-z_][a-z0-9_]*)\s*[,)(]", f.read_text(encoding="utf-8")))
    return names


def report(path: Path) -> tuple[list[str], list[str]]:
    """Returns (lines of the report, problems)."""
    sys.path.insert(0, str(REPO))
    import nakama_sync
    ops = operation_ids(path)
    table = {op: OPERATIONS.get(op, "") for op in ops}
    table.update(EXTRA)
    called = called_in_tests()
    lines, problems = [], []
    for op, method in sorted(table.items()):
        exists = bool(method) and callable(getattr(nakama_sync.Client, method, None))
        tested = method in called
        lines.append(f"{op:36} {method or '-':40} {'ok' if exists else 'MISSING'} {'tested' if tested else 'UNTESTED'}")
        if not exists:
            problems.append(f"{op}: no Client method {method!r}")
        elif not tested:
            problems.append(f"{op}: {method} is not called by any test file")
    covered = sum(1 for line in lines if line.endswith("ok tested"))
    lines.append(f"coverage: {covered}/{len(table)} operations have a Client method called by a test "
                 f"({len(ops)} swagger operations + {len(EXTRA)} missing from the swagger)")
    return lines, problems


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else swagger_path()
    lines, problems = report(path)
    print("\n".join(lines))
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
