"""README "Paging": walk every friend, and every page of a storage listing, lazily."""
import nakama_sync
from nakama_sync.paging import items, pages

client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
session = client.authenticate_device("device-id-123")
for friend in items(client.list_friends, session, limit=100):     # an Iterator[Friend]
    if friend.user is not None:
        print(friend.user.username, "mutual" if friend.state == nakama_sync.FriendState.MUTUAL else "pending")
for page in pages(client.list_storage_objects, session, "saves", user_id=session.user_id, limit=50):
    print(len(page.objects), "objects")
client.close()
