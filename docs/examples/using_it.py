"""README "Using it": sign in, open a socket, relay match state, poll in the frame loop."""
import nakama_sync

client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123", create=True, username="alice")
account = client.get_account(session)          # methods that need a user take the Session first

socket = client.create_socket()
socket.connect(session)


@socket.received_match_state.connect
def on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData) -> None:
    # event is a MatchData: .op_code, .data (bytes), .presence (None for messages from the server)
    if event.presence is not None:
        print(event.presence.username, event.data)


match = socket.create_match()                  # blocks until the server replies; raises SocketError
socket.send_match_state(match.match_id, op_code=1, data=b"xy")   # fire and forget

frames = 0
while frames < 600:                            # your game's frame loop
    socket.poll()                              # handlers run here, on this thread
    frames += 1
socket.close()
client.close()
