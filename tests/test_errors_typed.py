"""Every error the library raises on purpose is a NakamaError (also a builtin where one fits), so one
``except nakama_sync.NakamaError`` catches them all and ``except ValueError`` keeps working.

The static check reads every ``raise`` in the package: raising a bare builtin (``ValueError``,
``TypeError``, ``RuntimeError``...) is refused unless listed below as internal (caught and translated
before a user sees it). The other tests raise the errors users meet first, one per kind.
"""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

import nakama_sync
from nakama_sync import InvalidArgument, InvalidArgumentType, NakamaError, ReconnectPolicy

PACKAGE = Path(nakama_sync.__file__).parent

#: (module, builtin) -> why it never reaches a user
INTERNAL = {
    ("_client_base.py", "NotImplementedError"): "the mixins' contract; Client implements both methods",
    ("_client_deadline.py", "TimeoutError"): "inside urllib3's read; the transport reports HttpTimeout",
    ("_socket_conn.py", "OSError"): "an aborted handshake; translated to ConnectionClosed/TransportError",
    ("_wire.py", "ValueError"): "invalid base64; _decode.b64 turns it into DecodeError",
    ("devserver/__init__.py", "AttributeError"): "the module __getattr__ protocol",
    ("devserver/__init__.py", "ImportError"): "a missing extra is an import problem, named in the message",
    ("devserver/__main__.py", "SystemExit"): "the command line's exit status and one-line message",
    ("devserver/_http.py", "KeyError"): "a route lookup of the dev server's own runtime",
    ("devserver/_ws.py", "AssertionError"): "an invariant of the dev server's own frame writer",
}


def _builtin_raises() -> set[tuple[str, str, int]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        module = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.id if isinstance(target, ast.Name) else None
            if name is not None and isinstance(getattr(builtins, name, None), type):
                found.add((module, name, node.lineno))
    return found


def test_the_package_raises_no_bare_builtin_exception() -> None:
    found = _builtin_raises()
    assert found, "the scan found no raise at all: it is not reading the package"
    unexplained = sorted(f"{module}:{line}: raise {name}" for module, name, line in found
                         if (module, name) not in INTERNAL)
    assert not unexplained, "raise a NakamaError subclass instead:\n" + "\n".join(unexplained)


def test_the_internal_list_has_no_stale_entries() -> None:
    seen = {(module, name) for module, name, _ in _builtin_raises()}
    assert set(INTERNAL) <= seen, sorted(set(INTERNAL) - seen)


@pytest.mark.parametrize("make", [
    lambda: ReconnectPolicy(factor=0.5),
    lambda: ReconnectPolicy(jitter=2),
    lambda: ReconnectPolicy(max_attempts=0),
])
def test_a_wrong_reconnect_policy_is_an_invalid_argument(make: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        make()  # type: ignore[operator]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, NakamaError)


@pytest.mark.parametrize(("options", "error"), [
    ({"request_timeout": 0}, InvalidArgument),
    ({"heartbeat_timeout": -1}, InvalidArgument),
    ({"max_receive_size": 10}, InvalidArgument),
    ({"max_queued_events": 0}, InvalidArgument),
    ({"queue_full": "explode"}, InvalidArgument),
    ({"reconnect": "yes"}, InvalidArgumentType),
])
def test_wrong_socket_options_are_typed(options: dict[str, object], error: type[Exception]) -> None:
    client = nakama_sync.Client(port=9)
    try:
        with pytest.raises(error):
            client.create_socket(**options)
    finally:
        client.close()


def test_socket_argument_errors_are_typed_before_anything_is_sent() -> None:
    client = nakama_sync.Client(port=9)
    socket = client.create_socket()
    try:
        with pytest.raises(InvalidArgument, match="unknown socket signal"):
            socket.on("received_everything", lambda sender, event: None)
        with pytest.raises(InvalidArgumentType, match="op_code"):
            socket.send_match_state("match.id", "1", b"")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="exactly one"):
            socket.join_match_nowait()
    finally:
        socket.close()
        client.close()


def test_dev_server_configuration_errors_are_typed() -> None:
    devserver = pytest.importorskip("nakama_sync.devserver")
    with pytest.raises(InvalidArgumentType, match="unknown DevServer option"):
        devserver.DevServer(port=0, no_such_option=1)
    server = devserver.DevServer(port=0)
    with pytest.raises(InvalidArgument, match="operator"):
        server.create_leaderboard("board", operator="most")
    with pytest.raises(InvalidArgument, match="reset schedule"):
        server.create_leaderboard("board", reset_schedule="every day")
    assert issubclass(devserver.DevServerError, NakamaError) and issubclass(devserver.DevServerError, RuntimeError)
