"""The code shown in docs/guides/matchmaking.md; tests/test_docs_guides.py runs it against the test target."""
from __future__ import annotations

import nakama_sync
from nakama_sync.socket import SocketFuture


def add_ticket(socket: nakama_sync.Socket, mode: str) -> nakama_sync.MatchmakerTicket:
    # --8<-- [start:ticket]
    ticket = socket.add_matchmaker(
        query=f"+properties.mode:{mode} +properties.rank:>=10",   # whom I accept
        min_count=2, max_count=2,                                 # how many players in the match
        string_properties={"mode": mode},                         # what I am
        numeric_properties={"rank": 12},
    )
    # --8<-- [end:ticket]
    return ticket


def connect_matched_handler(socket: nakama_sync.Socket, game: dict[str, object]) -> None:
    # --8<-- [start:matched]
    def on_matched(sender: nakama_sync.Socket, event: nakama_sync.MatchmakerMatched) -> None:
        def joined(future: SocketFuture[nakama_sync.Match]) -> None:
            game["match"] = future.result()          # runs in a later poll(), on the game's thread
        if event.token:
            sender.join_match_nowait(token=event.token).add_done_callback(joined)
        else:                                        # a server hook picked an authoritative match
            sender.join_match_nowait(event.match_id).add_done_callback(joined)
        game["players"] = [u.presence.username for u in event.users if u.presence]

    socket.received_matchmaker_matched.connect(on_matched)
    # --8<-- [end:matched]


def party_leader(socket: nakama_sync.Socket) -> nakama_sync.Party:
    # --8<-- [start:party]
    party = socket.create_party(open=False, max_size=4, label={"mode": "coop"})

    def on_request(sender: nakama_sync.Socket, event: nakama_sync.PartyJoinRequest) -> None:
        for presence in event.presences:                 # closed party: the leader decides
            sender.accept_party_member_nowait(event.party_id, presence)

    socket.received_party_join_request.connect(on_request)
    # --8<-- [end:party]
    return party


def party_matchmake(socket: nakama_sync.Socket, party: nakama_sync.Party, mode: str) -> None:
    # --8<-- [start:party_ticket]
    socket.add_matchmaker_party(party.party_id, query=f"+properties.mode:{mode}", min_count=3, max_count=3,
                                string_properties={"mode": mode})
    # --8<-- [end:party_ticket]
