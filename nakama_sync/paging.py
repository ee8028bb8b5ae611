"""Walk cursor-paged listings lazily.

Every listing method of :class:`nakama_sync.Client` returns one page: a model holding a list of items
and a cursor for the next page. These helpers call the method again with each cursor until the last
page, fetching a page only when you reach it. They work with every ``list_*`` method:

- the cursor to follow is the page's ``next_cursor`` when it has one (leaderboard and tournament
  records, channel messages), else its ``cursor`` (friends, groups, storage, parties, tournaments...),
  else its ``cacheable_cursor`` (notifications); it goes back in the method's ``cursor`` argument
  (``cacheable_cursor`` for ``list_notifications``);
- the items are the page's list field (``friends``, ``groups``, ``objects``, ``records``,
  ``messages``, ``parties``, ``notifications``...);
- a method without a cursor argument (``list_matches``) gives one page.

The walk ends after a page with no cursor, an empty page, a page that hands back the cursor it was
given, or ``max_pages`` pages.

Example::

    from nakama_sync.paging import items, pages
    for friend in items(client.list_friends, session, limit=100):
        print(friend.user.username)
    for page in pages(client.list_storage_objects, session, "saves", user_id=uid, limit=50):
        print(len(page.objects))

Thread safety: each iterator makes blocking HTTP calls on the thread that iterates it; use one
iterator from one thread (not the game's thread in a frame loop: run it in a thread of your own).
"""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from .exceptions import InvalidArgumentType
from .models import (
    ApiMatch,
    ChannelMessage,
    ChannelMessageList,
    Friend,
    FriendList,
    FriendOfFriend,
    FriendsOfFriendsList,
    Group,
    GroupList,
    GroupUser,
    GroupUserList,
    LeaderboardRecord,
    LeaderboardRecordList,
    MatchList,
    Notification,
    NotificationList,
    Party,
    PartyList,
    StorageObject,
    StorageObjectList,
    SubscriptionList,
    Tournament,
    TournamentList,
    TournamentRecordList,
    UserGroup,
    UserGroupList,
    ValidatedSubscription,
)

__all__ = ["items", "pages"]

P = TypeVar("P")

_PAGE_CURSORS = ("next_cursor", "cursor", "cacheable_cursor")
_ARGUMENT_CURSORS = ("cursor", "cacheable_cursor")


def _cursor_argument(fn: Callable[..., Any]) -> str | None:
    """The name of ``fn``'s cursor argument, or None when it takes none."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return "cursor"
    return next((name for name in _ARGUMENT_CURSORS if name in parameters), None)


def _fields(page: Any) -> list[str]:
    if not dataclasses.is_dataclass(page):
        raise InvalidArgumentType(f"{type(page).__name__} is not a page of a Client listing method")
    return [f.name for f in dataclasses.fields(page)]


def _next_cursor(page: Any) -> str:
    names = _fields(page)
    name = next((n for n in _PAGE_CURSORS if n in names), None)
    value = getattr(page, name, "") if name is not None else ""
    return value if isinstance(value, str) else ""


def _items_of(page: Any) -> list[Any]:
    """The page's list of items: the field its model names (``_items``), else its only list field."""
    named = getattr(type(page), "_items", None)
    if isinstance(named, str):
        return list(getattr(page, named))
    lists = [getattr(page, n) for n in _fields(page) if isinstance(getattr(page, n), list)]
    if len(lists) != 1:
        raise InvalidArgumentType(f"{type(page).__name__} is not a paged listing (it has {len(lists)} lists)")
    return lists[0]


def pages(fn: Callable[..., P], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[P]:
    """Yield ``fn(*args, cursor=..., **kwargs)`` page after page, following the page's cursor.

    ``cursor`` starts from a saved position. See the module docstring for when the walk ends.
    Example: ``for page in pages(client.list_groups, session, name="red%", limit=50): ...``
    Thread: any thread; the calls run on the thread that iterates.
    """
    argument = _cursor_argument(fn)
    count = 0
    while True:
        if argument is None:
            page = fn(*args, **kwargs)
        else:
            page = fn(*args, **{argument: cursor}, **kwargs)
        yield page
        count += 1
        following = _next_cursor(page)
        if (argument is None or not following or following == cursor or not _items_of(page)
                or (max_pages is not None and count >= max_pages)):
            return
        cursor = following


@overload
def items(fn: Callable[..., ChannelMessageList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[ChannelMessage]: ...
@overload
def items(fn: Callable[..., FriendList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Friend]: ...
@overload
def items(fn: Callable[..., FriendsOfFriendsList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[FriendOfFriend]: ...
@overload
def items(fn: Callable[..., GroupUserList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[GroupUser]: ...
@overload
def items(fn: Callable[..., GroupList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Group]: ...
@overload
def items(fn: Callable[..., LeaderboardRecordList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[LeaderboardRecord]: ...
@overload
def items(fn: Callable[..., MatchList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[ApiMatch]: ...
@overload
def items(fn: Callable[..., NotificationList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Notification]: ...
@overload
def items(fn: Callable[..., PartyList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Party]: ...
@overload
def items(fn: Callable[..., StorageObjectList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[StorageObject]: ...
@overload
def items(fn: Callable[..., SubscriptionList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[ValidatedSubscription]: ...
@overload
def items(fn: Callable[..., TournamentRecordList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[LeaderboardRecord]: ...
@overload
def items(fn: Callable[..., TournamentList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Tournament]: ...
@overload
def items(fn: Callable[..., UserGroupList], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[UserGroup]: ...
@overload
def items(fn: Callable[..., Any], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Any]: ...


def items(fn: Callable[..., Any], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Any]:
    """Yield every item of every page (``friends``, ``groups``, ``objects``, ``records``, ``messages``...),
    typed by the listing: ``items(client.list_friends, ...)`` is an ``Iterator[Friend]``.

    Example: ``names = [f.user.username for f in items(client.list_friends, session, limit=100)]``
    Thread: any thread; the calls run on the thread that iterates.
    """
    for page in pages(fn, *args, cursor=cursor, max_pages=max_pages, **kwargs):
        yield from _items_of(page)
