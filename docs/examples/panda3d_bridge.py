"""README "Game engines", Panda3D: a task polls the socket and forwards events to the messenger."""
from direct.showbase.ShowBase import ShowBase

import nakama_sync
from nakama_sync.integrations.panda3d import attach_socket

client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123")
socket = client.create_socket()
socket.connect(session)
base = ShowBase()


def on_state(match_data: nakama_sync.MatchData) -> None:
    print(match_data.op_code, match_data.data)


attach_socket(socket)                               # after socket.connect(session)
base.accept("nakama-match-state", on_state)         # on_state(match_data)
base.run()
