"""README "Game engines", Pygame: socket events as pygame events of one custom type."""
import pygame

import nakama_sync
from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge

pygame.init()
client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123")
socket = client.create_socket()
socket.connect(session)


def move_square(data: bytes) -> None:
    print("move to", data)


bridge = PygameBridge(socket)                 # once, after pygame.init()
for _frame in range(600):
    bridge.pump()                             # each frame, before pygame.event.get()
    for event in pygame.event.get():
        if event.type == NAKAMA_EVENT and event.nakama_signal == "received_match_state":
            move_square(event.payload.data)
socket.close()
client.close()
pygame.quit()
