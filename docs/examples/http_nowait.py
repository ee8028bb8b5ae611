"""docs/http.md: a non-blocking HTTP call whose callback runs in client.poll()."""
import nakama_sync
from nakama_sync import Account, HttpFuture

client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123")   # blocking is fine before the game starts


def on_account(future: HttpFuture[Account]) -> None:
    try:
        print("hello", future.result().user.username)
    except nakama_sync.NakamaError as exc:
        print("could not load the account:", exc)


client.get_account_nowait(session).add_done_callback(on_account)
for _frame in range(600):       # your game loop
    client.poll()               # callbacks and socket events run here; never blocks
client.close()
