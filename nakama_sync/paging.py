"""Walk cursor-paged listings lazily.

Every listing method of :class:`nakama_sync.Client` returns one page (a model with a cursor for the
next page: ``cursor``, or ``next_cursor`` for leaderboard and tournament records). These helpers call
the method again with each cursor until the last page, fetching a page only when you reach it.

Example::

    from nakama_sync.paging import items, pages
    for friend in items(client.list_friends, session, limit=100):
        print(friend.user.username)
    for page in pages(client.list_storage_objects, session, "saves", user_id=uid, limit=50):
        print(len(page.objects))

Thread safety: each iterator makes blocking HTTP calls on the thread that iterates it; use one
iterator from one thread.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["items", "pages"]


def _next_cursor(page: Any) -> str:
    return getattr(page, getattr(type(page), "_cursor", "cursor"), "") or ""


def pages(fn: Callable[..., Any], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Any]:
    """Yield ``fn(*args, cursor=..., **kwargs)`` page after page, following the page's cursor.

    Stops after the page with no cursor (or after ``max_pages`` pages). ``cursor`` starts from a
    saved position. A server that hands back the cursor it was given ends the walk too.
    Example: ``for page in pages(client.list_groups, session, name="red%", limit=50): ...``
    Thread: any thread; the calls run on the thread that iterates.
    """
    count = 0
    while True:
        page = fn(*args, cursor=cursor, **kwargs)
        yield page
        count += 1
        following = _next_cursor(page)
        if not following or following == cursor or (max_pages is not None and count >= max_pages):
            return
        cursor = following


def items(fn: Callable[..., Any], *args: Any, cursor: str | None = None, max_pages: int | None = None,
          **kwargs: Any) -> Iterator[Any]:
    """Yield every item of every page (``friends``, ``groups``, ``objects``, ``records``...).

    Example: ``names = [f.user.username for f in items(client.list_friends, session, limit=100)]``
    Thread: any thread; the calls run on the thread that iterates.
    """
    for page in pages(fn, *args, cursor=cursor, max_pages=max_pages, **kwargs):
        field = getattr(type(page), "_items", None)
        if field is None:
            raise TypeError(f"{type(page).__name__} is not a paged listing")
        yield from getattr(page, field)
