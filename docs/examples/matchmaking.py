"""README "Matchmaking": queue for a duel and join the match the matchmaker found."""
import nakama_sync

client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123")
socket = client.create_socket()
socket.connect(session)


@socket.received_matchmaker_matched.connect
def on_matched(sender: nakama_sync.Socket, event: nakama_sync.MatchmakerMatched) -> None:
    match = sender.join_match(token=event.token)      # everyone matched joins the same match
    print("playing", match.match_id, "with", [u.presence.username for u in event.users if u.presence])


socket.add_matchmaker("+properties.mode:duel +properties.rank:>=10", min_count=2, max_count=2,
                      string_properties={"mode": "duel"}, numeric_properties={"rank": 12})
frames = 0
while frames < 600:
    socket.poll()
    frames += 1
socket.close()
client.close()
