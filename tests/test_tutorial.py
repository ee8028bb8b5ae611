"""Every step of the tutorial (docs/tutorial/step*.py) runs as its own program, headless, against the target.

Each program runs in a subprocess with SDL's dummy video driver and ``--host/--port/--server-key`` of the
test target (the dev server on a free port by default). The other player is a bot in this test process.
The programs print what happens ("saw p-1234 at 5,7"); the tests wait for those lines with deadlines.
A program ends by itself after ``--frames N``; the multiplayer tests end it earlier the way a player
does, by closing its window (SIGTERM, which SDL turns into ``pygame.QUIT``), and check it said "bye".
"""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import nakama_sync

from .conftest import Target, unique
from .test_samples import keep_screenshot

pytest.importorskip("pygame")

ROOT = Path(__file__).resolve().parent.parent
STEPS = ROOT / "docs" / "tutorial"
CAP = "3000"   # --frames for the multiplayer runs: about 50 s at 60 frames per second, a safety net


def matchmaking_deadline(target: Target) -> float:
    # A real Nakama matches every 15 s (twice for a ticket that waits); the tests' dev server every 0.5 s.
    return 45.0 if target.external else 20.0


def take(items: queue.Queue[Any], deadline: float, failure: Callable[[], str]) -> Any:
    """The next item of ``items``; the test fails with ``failure()`` if none comes before ``deadline``."""
    remaining = deadline - time.monotonic()
    assert remaining > 0, failure()
    try:
        return items.get(timeout=remaining)
    except queue.Empty:
        pytest.fail(failure())


class Program:
    """A tutorial step running as its own process; its output lines (stdout and stderr) arrive on a queue."""

    def __init__(self, step: str, *args: str) -> None:
        env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1",
                   PYTHONUNBUFFERED="1")
        self.step = step
        self.lines: list[str] = []
        self._next = 0   # expect() looks at the lines from this one on
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen([sys.executable, str(STEPS / step), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        self._reader = threading.Thread(target=self._read, name=f"tutorial-{step}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)   # end of output

    def output(self) -> str:
        return f"{self.step} printed:\n" + "\n".join(self.lines)

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for a line matching ``pattern`` (regex) after the line the previous expect() matched."""
        deadline = time.monotonic() + timeout
        while True:
            while self._next < len(self.lines):
                self._next += 1
                found = re.search(pattern, self.lines[self._next - 1])
                if found:
                    return found
            line = take(self._queue, deadline, lambda: f"no line matching {pattern!r} within {timeout} s\n"
                                                         f"{self.output()}")
            assert line is not None, f"the program ended before printing {pattern!r}\n{self.output()}"
            self.lines.append(line)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the program to end by itself; it must exit with 0 after saying "bye"."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.step} did not end within {timeout} s\n{self.output()}")
        self._reader.join(5.0)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        assert code == 0, f"exit code {code}\n{self.output()}"
        assert self.lines and self.lines[-1] == "bye", self.output()

    def close_window(self, timeout: float = 30.0) -> None:
        """Quit as a player does: SIGTERM becomes pygame.QUIT (SDL's signal handling); then wait()."""
        self.proc.send_signal(signal.SIGTERM)
        self.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def run(target: Target) -> Iterator[Any]:
    """``run(step, *args)`` starts a tutorial step against the target; every program is killed at the end."""
    started: list[Program] = []

    def start(step: str, *args: str, host: str | None = None, port: int | None = None) -> Program:
        server = ["--host", host or target.host, "--port", str(port or target.port), "--server-key", target.server_key]
        if target.ssl:
            server.append("--ssl")
        program = Program(step, *server, *args)
        started.append(program)
        return program
    yield start
    for program in started:
        program.kill()


class Bot:
    """The other player, in the test process. Its handlers run on its socket's reader thread and put every
    event on a queue (``use_main_thread=False``), so the test can wait for one with a deadline."""

    def __init__(self, client: nakama_sync.Client, reconnect: bool = True) -> None:
        self.session = client.authenticate_device(unique("bot-device"), username=unique("bot"))
        self.socket = client.create_socket(use_main_thread=False, reconnect=reconnect)
        self.events: queue.Queue[Any] = queue.Queue()
        for name in ("received_match_state", "received_match_presence", "received_matchmaker_matched",
                     "received_channel_message", "closed"):
            self.socket.on(name, lambda sender, event: self.events.put(event))
        self.socket.connect(self.session)

    @property
    def username(self) -> str:
        return self.session.username

    def wait_for(self, kind: type, timeout: float = 20.0, test: Any = lambda event: True) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event = take(self.events, deadline, lambda: f"the bot got no {kind.__name__} within {timeout} s")
            if isinstance(event, kind) and test(event):
                return event

    def send_position(self, match_id: str, x: int, y: int) -> None:
        self.socket.send_match_state(match_id, 1, json.dumps({"x": x, "y": y}).encode())

    def matchmake(self, room: str) -> None:
        self.socket.add_matchmaker(query=f"+properties.room:{room}", min_count=2, max_count=2,
                                   string_properties={"room": room})

    def join_matched(self, timeout: float) -> nakama_sync.Match:
        matched = self.wait_for(nakama_sync.MatchmakerMatched, timeout)
        return self.socket.join_match(token=matched.token)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def bot(client: nakama_sync.Client) -> Iterator[Bot]:
    player = Bot(client)
    yield player
    player.close()


def from_program(username: str) -> Any:
    return lambda event: event.presence is not None and event.presence.username == username


def exchange_positions(program: Program, bot: Bot, match: nakama_sync.Match, username: str) -> None:
    """Both players see each other's square: the program prints the bot's position, the bot gets the program's."""
    if username not in [p.username for p in match.presences]:   # wait until the program is in the match
        bot.wait_for(nakama_sync.MatchPresenceEvent, test=lambda e: username in [p.username for p in e.joins])
    bot.send_position(match.match_id, 300, 60)
    program.expect(rf"saw {re.escape(bot.username)} at 300,60")
    state = bot.wait_for(nakama_sync.MatchData, test=from_program(username))
    position = json.loads(state.data)
    assert state.op_code == 1 and set(position) == {"x", "y"}


def test_every_step_ends_by_itself_after_its_frames(run: Any, client: nakama_sync.Client) -> None:
    steps = sorted(p.name for p in STEPS.glob("step*.py"))
    assert len(steps) >= 5, steps
    programs = [run(step, "--frames", "30") for step in steps]   # all at once: they do not meet (no partner)
    viewer = client.authenticate_device(unique("viewer"))
    for program in programs:
        username = program.expect(r"^connected as (p-\w+)$", 60.0).group(1)
        program.wait(60.0)
        users = client.get_users(viewer, usernames=[username]).users
        assert [u.username for u in users] == [username]   # the account the program made exists


def test_step2_two_players_in_a_named_match_see_each_other(run: Any, bot: Bot) -> None:
    name = unique("tutorial")
    match = bot.socket.create_match(name=name)     # the same name: the program lands in this match
    program = run("step2_match.py", "--match", name, "--auto", "--frames", CAP)
    username = program.expect(r"^connected as (p-\w+)$").group(1)
    program.expect(rf"^in match {re.escape(match.match_id)} with 1 other player")
    exchange_positions(program, bot, match, username)
    program.close_window()
    left = bot.wait_for(nakama_sync.MatchPresenceEvent, test=lambda e: bool(e.leaves))
    assert [p.username for p in left.leaves] == [username]   # it left the match on its way out


def test_step3_the_matchmaker_pairs_the_program_with_the_bot(run: Any, bot: Bot, target: Target) -> None:
    room = unique("room").replace("-", "")       # one word: it goes into a matchmaker query
    bot.matchmake(room)
    program = run("step3_matchmaker.py", "--room", room, "--auto", "--frames", CAP)
    username = program.expect(r"^connected as (p-\w+)$").group(1)
    program.expect(r"^looking for a partner")
    match = bot.join_matched(matchmaking_deadline(target))
    program.expect(rf"^matched with {re.escape(bot.username)}$", matchmaking_deadline(target))
    exchange_positions(program, bot, match, username)
    program.close_window()


def test_step4_lobby_chat_goes_both_ways(run: Any, bot: Bot, target: Target, tmp_path: Path) -> None:
    room = unique("room").replace("-", "")
    channel = bot.socket.join_chat(room, 1, persistence=False)   # before the program says hello
    bot.matchmake(room)
    shot = tmp_path / "tutorial_step4.png"
    program = run("step4_chat.py", "--room", room, "--auto", "--frames", CAP, "--screenshot", str(shot))
    username = program.expect(r"^connected as (p-\w+)$").group(1)
    hello = bot.wait_for(nakama_sync.ChannelMessage, test=lambda m: m.username == username)
    assert hello.content == {"text": "hello!"}
    bot.socket.write_chat_message(channel.id, {"text": "hi from the bot"})
    program.expect(rf"^chat {re.escape(bot.username)}: hi from the bot$")
    match = bot.join_matched(matchmaking_deadline(target))
    exchange_positions(program, bot, match, username)
    program.close_window()
    keep_screenshot(shot)   # the last frame: both squares and the chat (docs/images with NAKAMA_SYNC_SCREENSHOTS=1)


def test_step5_a_partner_who_leaves_sends_the_player_back_to_the_matchmaker(run: Any, bot: Bot,
                                                                           client: nakama_sync.Client,
                                                                           target: Target) -> None:
    room = unique("room").replace("-", "")
    bot.matchmake(room)
    program = run("step5_survive.py", "--room", room, "--auto", "--frames", CAP)
    username = program.expect(r"^connected as (p-\w+)$").group(1)
    match = bot.join_matched(matchmaking_deadline(target))
    exchange_positions(program, bot, match, username)
    bot.socket.leave_match(match.match_id)
    program.expect(rf"^{re.escape(bot.username)} left$")
    program.expect(r"^looking for a partner", 10.0)
    second = Bot(client)                           # a new partner comes along
    try:
        second.matchmake(room)
        second.join_matched(matchmaking_deadline(target))
        program.expect(rf"^matched with {re.escape(second.username)}$", matchmaking_deadline(target))
    finally:
        second.close()
    program.close_window()


@pytest.mark.devserver_only("restarts a dev server of its own")
def test_step5_survives_a_server_restart(run: Any, tmp_path: Path) -> None:
    from nakama_sync.devserver import DevServer

    database = str(tmp_path / "game.db")          # accounts survive the restart, matches do not
    server = DevServer(port=0, database=database, matchmaker_interval_sec=0.5).start()
    port = server.port
    room = "restart"
    program = None
    try:
        with nakama_sync.Client(port=port) as client:
            bot = Bot(client, reconnect=False)
            try:
                bot.matchmake(room)
                program = run("step5_survive.py", "--room", room, "--auto", "--frames", CAP,
                              host=server.host, port=port)
                username = program.expect(r"^connected as (p-\w+)$").group(1)
                match = bot.join_matched(20.0)
                exchange_positions(program, bot, match, username)
                server.stop()                      # the connection drops
                program.expect(r"^reconnecting: ")
                bot.wait_for(nakama_sync.SocketClosed)
            finally:
                bot.close()
            server = DevServer(port=port, database=database, matchmaker_interval_sec=0.5).start()
            lost = program.expect(r"^reconnected after [\d.]+ s; lost: (.*)$", 30.0).group(1)
            assert "'match'" in lost, program.output()   # a restarted server forgot the match
            program.expect(r"^looking for a partner", 10.0)
            second = Bot(client)
            try:
                second.matchmake(room)
                second.join_matched(20.0)
                program.expect(rf"^matched with {re.escape(second.username)}$", 20.0)
            finally:
                second.close()
        program.close_window()
    finally:
        server.stop()
