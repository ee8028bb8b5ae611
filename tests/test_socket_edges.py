"""Issue 15's socket-side rough edges: typed errors, signals tested as bools, handler shapes, join_chat types."""
from __future__ import annotations

import concurrent.futures
import subprocess
import sys
import threading
import uuid

import pytest

import nakama_sync
from nakama_sync import (
    AlreadyConnected,
    ChannelType,
    InvalidArgument,
    InvalidArgumentType,
    NakamaError,
    RequestTimeout,
    SignalUsedAsBool,
    UsageError,
)

from ._proxy import proxied, proxy, silent_socket  # noqa: F401
from ._socket_helpers import pump_until, sockets  # noqa: F401


def test_connect_twice_raises_already_connected(sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    with pytest.raises(AlreadyConnected, match="already connected") as caught:
        sock.connect(session)
    assert isinstance(caught.value, NakamaError) and isinstance(caught.value, RuntimeError)
    assert sock.is_connected   # the refused call left the live connection alone
    sock.ping()


def test_blocking_on_the_reader_thread_is_a_usage_error(sockets):  # noqa: F811
    sock = sockets(use_main_thread=False)
    seen: list[BaseException] = []
    done = threading.Event()

    def on_note(sender, event):
        try:
            sender.ping()   # would wait on the thread that resolves it
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            seen.append(exc)
        done.set()
    sock.received_notification.connect(on_note)
    sock.rpc("notify_me")
    assert done.wait(10)
    assert len(seen) == 1 and type(seen[0]) is UsageError and "deadlock" in str(seen[0])
    assert isinstance(seen[0], NakamaError) and isinstance(seen[0], RuntimeError)


def test_next_event_in_reader_thread_mode_is_a_usage_error(sockets):  # noqa: F811
    sock = sockets(use_main_thread=False)
    with pytest.raises(UsageError, match="use_main_thread=True") as caught:
        sock.next_event()
    assert isinstance(caught.value, RuntimeError)


def test_usage_errors_are_exported():
    for name in ("AlreadyConnected", "UsageError"):
        assert name in nakama_sync.__all__
        assert issubclass(getattr(nakama_sync, name), (NakamaError, RuntimeError))
    assert issubclass(AlreadyConnected, UsageError)


def test_testing_a_signal_as_a_bool_is_refused(sockets):  # noqa: F811
    sock = sockets()
    for name in ("connected", "closed", "received_match_state"):
        with pytest.raises(TypeError, match=r"socket\.is_connected") as caught:
            if getattr(sock, name):
                pass
        assert isinstance(caught.value, SignalUsedAsBool) and isinstance(caught.value, NakamaError)
        assert f"Socket.{name}" in str(caught.value)
    assert sock.is_connected
    # connecting, sending and muting still work on a signal that refuses bool()
    events: list[object] = []
    sock.closed.connect(lambda sender, event: events.append(event))
    sock.close()
    assert sock.poll() >= 1 and len(events) == 1


def test_handler_of_the_wrong_shape_is_refused_at_connect(sockets):  # noqa: F811
    sock = sockets()
    bad_handlers = [lambda event: None, lambda sender, msg: None, lambda: None]
    for bad in bad_handlers:
        with pytest.raises(TypeError, match=r"handler\(sender, event\)") as caught:
            sock.received_notification.connect(bad)
        assert isinstance(caught.value, InvalidArgument)
        assert "Socket.received_notification" in str(caught.value)
        with pytest.raises(InvalidArgumentType):
            sock.on("received_notification", bad)
    with pytest.raises(InvalidArgumentType, match="'event'"):
        @sock.on("received_notification")
        def on_note(sender, msg):
            pass
    with pytest.raises(InvalidArgumentType, match="callable"):
        sock.received_notification.connect("not a function")
    got: list[object] = []
    sock.received_notification.connect(lambda sender, event: got.append(event))
    sock.on("received_notification", lambda sender, **kwargs: got.append(kwargs["event"]))
    assert len(sock.received_notification.receivers) == 2   # none of the refused ones was added
    sock.rpc("notify_me")
    pump_until(sock, lambda: len(got) >= 2, what="the notification")
    assert len(got) == 2 and got[0] is got[1] and isinstance(got[0], nakama_sync.Notification)


def test_join_chat_defaults_to_a_room_and_names_a_bad_type(sockets):  # noqa: F811
    sock = sockets()
    room = f"edges-{uuid.uuid4().hex[:10]}"
    channel = sock.join_chat(room, persistence=False)          # no type: a room
    assert channel.room_name == room and channel.id
    again = sock.join_chat_nowait(room, 1, persistence=False).result()    # the int still works
    assert again.id == channel.id
    assert sock.join_chat(room, ChannelType.ROOM, persistence=False).id == channel.id
    for bad in ("room", "1", 1.0, None, True):
        with pytest.raises(ValueError, match=r"type must be ChannelType\.ROOM \(1\)") as caught:
            sock.join_chat(room, bad)
        assert isinstance(caught.value, InvalidArgumentType) and isinstance(caught.value, TypeError)
    for bad in (0, 4, -1):
        with pytest.raises(InvalidArgument, match="type must be") as caught:
            sock.join_chat(room, bad)
        assert not isinstance(caught.value, TypeError)
    assert sock.is_connected   # nothing bad was sent: the server did not close the socket
    sock.ping()


def test_add_matchmaker_says_how_to_shorten_the_interval():
    doc = nakama_sync.Socket.add_matchmaker.__doc__ or ""
    assert "DevServer(matchmaker_interval_sec=1)" in doc and "--matchmaker-interval-sec 1" in doc
    devserver = pytest.importorskip("nakama_sync.devserver")
    assert devserver.DevServer(port=0, matchmaker_interval_sec=1).config.matchmaker_interval_sec == 1
    cli = subprocess.run([sys.executable, "-m", "nakama_sync.devserver", "--help"], capture_output=True,
                         text=True, timeout=60, check=True)
    assert "--matchmaker-interval-sec" in cli.stdout


def test_docstrings_do_not_send_users_to_a_file_they_do_not_have():
    """PROTOCOL.md is a maintainers' file, not shipped: the socket-side docstrings explain inline instead."""
    import nakama_sync._socket_codec as codec
    import nakama_sync.models.party as party
    import nakama_sync.models.realtime as realtime
    for module in (codec, party, realtime):
        for obj in (module, *vars(module).values()):
            assert "PROTOCOL.md" not in (getattr(obj, "__doc__", None) or ""), obj
    assert "size" in (realtime.Match.__doc__ or "") and "you included" in (realtime.Match.__doc__ or "")


def test_socket_futures_work_with_concurrent_futures_wait_and_as_completed(sockets):  # noqa: F811
    sock = sockets()
    pings = [sock.ping_nowait() for _ in range(3)]
    done, not_done = concurrent.futures.wait(pings, timeout=10)
    assert done == set(pings) and not not_done
    assert all(f.result() is None for f in pings)
    # as_completed, mixed with a standard future, yields every one exactly once
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        mixed = [sock.ping_nowait(), pool.submit(lambda: "std"), sock.ping_nowait()]
        seen = list(concurrent.futures.as_completed(mixed, timeout=10))
    assert sorted(map(id, seen)) == sorted(map(id, mixed))
    # FIRST_EXCEPTION returns once an error reply is in; the failed future carries the SocketError
    failing = sock.rpc_nowait(f"no_such_rpc_{uuid.uuid4().hex[:8]}")
    done, _ = concurrent.futures.wait([failing], timeout=10, return_when=concurrent.futures.FIRST_EXCEPTION)
    assert done == {failing} and isinstance(failing.exception(), nakama_sync.SocketError)
    # already-done futures are reported at once, and a future nobody waits on again stays clean
    done, not_done = concurrent.futures.wait(pings, timeout=0)
    assert done == set(pings) and not not_done
    assert not failing.cancel() and not failing.cancelled() and not failing.running()
    # it is a standard future, completed only by its socket
    assert isinstance(failing, concurrent.futures.Future)
    for complete in (lambda: failing.set_result(None), lambda: failing.set_exception(ValueError()),
                     failing.set_running_or_notify_cancel):
        with pytest.raises(nakama_sync.UsageError):
            complete()
    assert isinstance(failing.exception(), nakama_sync.SocketError)


def test_a_waiter_installed_before_the_outcome_is_woken(silent_socket):  # noqa: F811
    """concurrent.futures.wait() blocking on a pending SocketFuture wakes when the reader settles it
    (here: the server went silent, so the reader fails it with RequestTimeout after request_timeout)."""
    sock, _ = silent_socket(request_timeout=0.5, heartbeat_interval=None)
    fut = sock.ping_nowait()
    done, not_done = concurrent.futures.wait([fut], timeout=15)
    assert done == {fut} and not not_done
    assert isinstance(fut.exception(), RequestTimeout)
    assert fut._waiters == []   # wait() took its waiter back
