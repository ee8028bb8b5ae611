"""Each signal's event type is visible to a user's ``mypy --strict``: a handler with the wrong event type is
an error, the usual handler shapes pass, and ``on()``, ``next_event()``, iteration and ``paging`` return
precise types. Checked like a user's program: from a temporary folder outside the repository, against
the package as installed (see test_docs_examples). The run-time side (the table, the aliases) is checked
here too.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest

import nakama_sync
from nakama_sync._events import SIGNALS, SocketSignals, StrongSignal
from tests.test_docs_examples import ROOT, _installed_package

GOOD = '''
import concurrent.futures
from typing import Any

import nakama_sync
from nakama_sync import paging


def on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData) -> None:
    print(event.op_code)


def on_any(sender: Any, event: Any) -> None:
    print(event)


def on_party(sender: Any, event: nakama_sync.Party | nakama_sync.PartyUpdate) -> None:
    print(event.party_id)


def on_session(sender: Any, session: nakama_sync.Session) -> None:
    print(session.user_id)


def on_kwargs(sender, **kw):  # type: ignore[no-untyped-def]
    print(kw)


def run(client: nakama_sync.Client, socket: nakama_sync.Socket) -> None:
    socket.received_match_state.connect(on_state)
    socket.received_match_state.connect(on_any)
    socket.received_match_state.connect(on_kwargs)
    socket.received_party.connect(on_party)
    socket.received_channel_message.connect(lambda sender, event: print(event.content))
    client.session_refreshed.connect(on_session)

    @socket.received_notification.connect
    def on_note(sender: Any, event: nakama_sync.Notification) -> None:
        print(event.subject)

    on_note(socket, event=nakama_sync.Notification())
    handler = socket.on("received_match_state", on_state)
    handler(socket, nakama_sync.MatchData())
    decorate = socket.on("received_match_presence")
    decorated = decorate(on_any)
    decorated(socket, 1)
    signal: nakama_sync.StrongSignal[nakama_sync.MatchData] = socket.received_match_state
    print(signal)
    event = socket.next_event()
    if isinstance(event, nakama_sync.MatchData):
        print(event.op_code)
    for queued in socket:
        pending: nakama_sync.SocketEvent = queued
        print(pending)
    maybe: nakama_sync.SocketEvent | None = socket.next_event(0.1)
    print(maybe)
    for friend in paging.items(client.list_friends, nakama_sync.Session.restore("a", "b")):
        print(friend.user)
    for page in paging.pages(client.list_friends, nakama_sync.Session.restore("a", "b")):
        print(page.friends)
    # socket and HTTP futures are standard futures: wait()/as_completed() take them without a cast
    pending_match: nakama_sync.SocketFuture[nakama_sync.Match] = socket.create_match_nowait()
    account = client.get_account_nowait(nakama_sync.Session.restore("a", "b"))
    done, _ = concurrent.futures.wait([pending_match], timeout=5)
    mixed: list[concurrent.futures.Future[Any]] = [pending_match, account]
    done, _ = concurrent.futures.wait(mixed, timeout=5)
    for future in concurrent.futures.as_completed([pending_match], timeout=5):
        print(future.result().match_id)
    pending_match.add_done_callback(lambda f: print(f.result().size))
    print(done)
'''

#: Mistakes a type checker must catch, each with the line mypy reports it on (one program each).
BAD = {
    "wrong_event_type": '''
def on_state(sender: Any, event: nakama_sync.ChannelMessage) -> None:
    print(event.content)


def run(socket: nakama_sync.Socket) -> None:
    socket.received_match_state.connect(on_state)  # error
''',
    "wrong_event_type_decorator": '''
def run(socket: nakama_sync.Socket) -> None:
    @socket.received_match_presence.connect  # error
    def on_presence(sender: Any, event: nakama_sync.MatchData) -> None:
        print(event)
''',
    "second_parameter_not_event": '''
class Game:
    def on_state(self, sender: Any, msg: nakama_sync.MatchData) -> None:
        print(msg)


def run(socket: nakama_sync.Socket, game: Game) -> None:
    socket.received_match_state.connect(game.on_state, sender=socket)  # error
''',
    "one_argument": '''
def run(socket: nakama_sync.Socket) -> None:
    socket.received_match_state.connect(lambda sender: None)  # error
''',
    "session_keyword": '''
def run(client: nakama_sync.Client) -> None:
    client.session_refreshed.connect(lambda sender, event: print(event))  # error
''',
    "next_event_not_any": '''
def run(socket: nakama_sync.Socket) -> None:
    x: int = socket.next_event()  # error
''',
    "on_keeps_the_handler_type": '''
def run(socket: nakama_sync.Socket) -> None:
    @socket.on("received_match_state")
    def on_state(sender: Any, event: nakama_sync.MatchData) -> None:
        print(event)

    x: int = on_state  # error
''',
}
HEADER = "from typing import Any\n\nimport nakama_sync\n\n"


def _mypy(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    env = _installed_package(tmp_path)
    work = tmp_path / "user_project"
    work.mkdir()
    for name, text in files.items():
        (work / name).write_text(text)
    (work / "mypy.ini").write_text("[mypy]\n")
    cache = ROOT / ".mypy_cache" / "typed_signals"   # only speeds up reruns; holds no settings
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--config-file",
                           "mypy.ini", *files], cwd=work, env=env, capture_output=True, text=True, timeout=600)


def test_correct_handlers_pass_mypy_strict(tmp_path: Path) -> None:
    result = _mypy(tmp_path, {"game.py": textwrap.dedent(GOOD)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_wrong_handlers_fail_mypy_strict_on_the_right_line(tmp_path: Path) -> None:
    files = {f"{name}.py": HEADER + text for name, text in BAD.items()}
    result = _mypy(tmp_path, files)
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {line.split(": error:")[0] for line in result.stdout.splitlines() if ": error:" in line}
    expected = set()
    for name, text in files.items():
        number = next(i for i, line in enumerate(text.splitlines(), 1) if line.endswith("# error"))
        expected.add(f"{name}:{number}")
    assert reported == expected, result.stdout


def test_wrong_event_type_names_the_signal_type(tmp_path: Path) -> None:
    result = _mypy(tmp_path, {"bad.py": HEADER + BAD["wrong_event_type"]})
    assert '"connect" of "StrongSignal"' in result.stdout, result.stdout
    assert "EventHandler[MatchData]" in result.stdout, result.stdout


def test_the_signal_table_is_read_from_the_socket_declarations() -> None:
    hints = get_type_hints(nakama_sync.Socket)
    assert list(SIGNALS) == list(get_type_hints(SocketSignals))
    for name, types in SIGNALS.items():
        (event,) = get_args(hints[name])
        assert (get_args(event) or (event,)) == types
    assert SIGNALS["received_match_state"] == (nakama_sync.MatchData,)
    assert SIGNALS["received_party"] == (nakama_sync.Party, nakama_sync.PartyUpdate)
    assert len(SIGNALS) == 21


def test_socket_event_is_every_event_type() -> None:
    assert set(get_args(nakama_sync.SocketEvent)) == {t for types in SIGNALS.values() for t in types}


def test_signals_are_strong_signals_at_run_time() -> None:
    client = nakama_sync.Client()
    socket = client.create_socket()
    for name in SIGNALS:
        assert type(getattr(socket, name)) is StrongSignal
    assert isinstance(client.session_refreshed, nakama_sync.StrongSignal)
    calls: list[Any] = []

    @socket.received_match_state.connect
    def on_state(sender: Any, event: nakama_sync.MatchData) -> None:
        calls.append(event)

    def on_again(sender: Any, event: nakama_sync.MatchData) -> None:
        calls.append(("again", event))

    assert socket.on("received_match_state", on_again) is on_again
    socket.received_match_state._emit(socket, "x")
    assert calls == ["x", ("again", "x")]
