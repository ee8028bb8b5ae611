"""Network conditions in the dev server (issue 17): delay, jitter, loss of unreliable data, order, seeds.

Tolerances are stated with each test. A delay can never be shorter than its setting allows (that bound
is strict); load on a busy machine only ever adds delay, so upper bounds carry a generous margin.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync.devserver import InvalidConditions, NetworkConditions

from ._netcode_helpers import (
    conditioned_server,
    join_one_match,
    needs_devserver,
    percentile,
    players,
    send_paced,
)

pytestmark = needs_devserver

LOAD_MARGIN_MS = 40.0   # what a loaded 2-core machine may add to a median or a spread


def _delays_ms(items: list[tuple[float, dict[str, Any]]]) -> list[float]:
    return [(arrived - body["t"]) * 1000 for arrived, body in items]


def test_one_way_delay_and_jitter_of_match_data_match_the_setting() -> None:
    """The receiver alone gets latency 80 ms +-20 ms; the sender is on loopback.

    Stated: every delay >= 60 ms - 1 ms (strict: nothing arrives early); the median within
    [75, 80 + 5 + 40] ms; the p25..p75 spread of delays (ideal for uniform +-20: 20 ms) within
    [12, 20 + 40] ms. Quartiles, not extremes: a loaded machine stalls now and then, which only ever
    adds delay to the few states in flight.
    """
    with conditioned_server(conditions_seed=1) as server, players(server, "ana", "ben") as (ana, ben):
        server.set_conditions(ben.session.user_id, latency_ms=80, jitter_ms=20)
        match_id = join_one_match([ana, ben])
        send_paced(ana, match_id, 120, rate=40, reliable=lambda i: True)
        ben.inbox.wait_for(lambda got: len(got) >= 120, 20, "120 states")
        delays = _delays_ms(ben.inbox.items)
        seqs = [body["seq"] for _, body in ben.inbox.items]
        stats = server.stats()
    assert seqs == list(range(120)), "every state exactly once, in order"
    assert min(delays) >= 60 - 1, f"a state arrived before latency - jitter: {min(delays):.1f} ms"
    median = percentile(delays, 0.5)
    spread = percentile(delays, 0.75) - percentile(delays, 0.25)
    print(f"one-way delay: min {min(delays):.1f} median {median:.1f} p25..p75 spread {spread:.1f} ms")
    assert 75 <= median <= 80 + 5 + LOAD_MARGIN_MS, f"median one-way delay {median:.1f} ms"
    assert 12 <= spread <= 20 + LOAD_MARGIN_MS, f"p25..p75 spread {spread:.1f} ms"
    assert stats["frames_delayed_to_clients"] >= 120
    assert stats["frames_delayed_from_clients"] == 1   # ben's match_join; ana (the sender) is on loopback
    assert stats["match_data_dropped_to_clients"] == 0


def test_without_jitter_the_delay_is_the_latency() -> None:
    """Latency 50 ms each way for everyone: ana -> server -> ben takes 100 ms. Stated: every delay >= 99 ms,
    the fastest <= 100 + 15 ms, the median <= 100 + 40 ms (100 states over 2 s, so a short stall of a
    loaded machine does not move the median)."""
    with conditioned_server(latency_ms=50) as server, players(server, "ana", "ben") as (ana, ben):
        match_id = join_one_match([ana, ben])
        send_paced(ana, match_id, 100, rate=50, reliable=lambda i: True)
        ben.inbox.wait_for(lambda got: len(got) >= 100, 20, "100 states")
        delays = _delays_ms(ben.inbox.items)
    print(f"no jitter: min {min(delays):.1f} median {percentile(delays, 0.5):.1f} ms (setting 100)")
    assert min(delays) >= 99, min(delays)
    assert min(delays) <= 100 + 15, min(delays)
    assert percentile(delays, 0.5) <= 100 + LOAD_MARGIN_MS, percentile(delays, 0.5)


def _lossy_run(seed: int) -> tuple[list[int], list[int], dict[str, Any]]:
    """ana and ben both under 20% loss: 400 states, every other one unreliable. Returns the
    sequence numbers ben got (reliable, unreliable) and the server's stats."""
    with conditioned_server(loss=0.2, latency_ms=5, jitter_ms=5, conditions_seed=seed) as server, \
            players(server, "ana", "ben") as (ana, ben):
        match_id = join_one_match([ana, ben])
        send_paced(ana, match_id, 400, rate=400, reliable=lambda i: i % 2 == 0)
        ana.socket.send_match_state(match_id, 1, '{"seq": -1, "t": 0}', reliable=True)   # a last, reliable one
        ben.inbox.wait_for(lambda got: bool(got) and got[-1][1]["seq"] == -1, 20, "the last state")
        got = [body["seq"] for _, body in ben.inbox.items][:-1]
        stats = server.stats()
    return [s for s in got if s % 2 == 0], [s for s in got if s % 2 == 1], stats


def test_loss_drops_only_unreliable_data_close_to_the_setting_and_repeats_with_the_seed() -> None:
    """Loss 0.2 on both players: an unreliable state crosses two lossy links, so 1 - 0.8**2 = 36% is lost.

    Stated: every reliable state arrives, in order; the unreliable loss within 36% +- 9 points
    (about 4 standard deviations for 200 states); the server's drop counts add up; the same seed loses
    the very same states, another seed other ones.
    """
    reliable, unreliable, stats = _lossy_run(seed=5)
    assert reliable == list(range(0, 400, 2))
    assert unreliable == sorted(unreliable), "order kept"
    lost = 200 - len(unreliable)
    print(f"unreliable states lost: {lost} of 200 ({lost / 2:.1f}%, expected 36%)")
    assert 0.27 <= lost / 200 <= 0.45, f"lost {lost} of 200 unreliable states"
    assert stats["match_data_dropped_from_clients"] + stats["match_data_dropped_to_clients"] == lost
    assert stats["match_data_dropped_from_clients"] > 0 and stats["match_data_dropped_to_clients"] > 0
    again = _lossy_run(seed=5)
    assert again[1] == unreliable, "the same seed and players lose the same states"
    other = _lossy_run(seed=6)
    assert other[1] != unreliable


def test_jitter_never_reorders_a_burst() -> None:
    """A burst of 200 states, jitter (+-30 ms) larger than the gap between them: all arrive, in order."""
    with conditioned_server(latency_ms=30, jitter_ms=30, conditions_seed=3) as server, \
            players(server, "ana", "ben") as (ana, ben):
        match_id = join_one_match([ana, ben])
        for i in range(200):
            ana.socket.send_match_state(match_id, 1, f'{{"seq": {i}, "t": 0}}', reliable=i % 3 != 0)
        ben.inbox.wait_for(lambda got: len(got) >= 200, 20, "200 states")
        assert [body["seq"] for _, body in ben.inbox.items] == list(range(200))


def test_per_user_conditions_at_run_time_log_and_stats(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nakama_sync.devserver")
    with conditioned_server() as server, players(server, "ana", "ben") as (ana, ben):
        new = server.set_conditions(ben.session.user_id, latency_ms=120, jitter_ms=30, loss=0.05)
        assert new == NetworkConditions(120, 30, 0.05, 0)
        assert any("network conditions for user" in r.getMessage() and "latency 120 ms" in r.getMessage()
                   and "5.0% loss of unreliable match data" in r.getMessage() for r in caplog.records)
        ping_started = time.monotonic()
        ana.socket.ping()
        ana_rtt = time.monotonic() - ping_started
        ping_started = time.monotonic()
        ben.socket.ping()
        ben_rtt = time.monotonic() - ping_started
        assert ben_rtt >= 2 * (120 - 30) / 1000, ben_rtt          # ben's ping crosses the delay twice
        assert ana_rtt < ben_rtt                                  # ana stays on loopback
        assert server.set_conditions(ben.session.user_id, loss=0.0).latency_ms == 120   # others kept
        server.clear_conditions(ben.session.user_id)
        stats = server.stats()
        assert stats["frames_delayed_to_clients"] >= 1 and stats["frames_delayed_from_clients"] >= 1
        assert stats["conditions"]["users"] == {}
    assert any("under network conditions" in r.getMessage() and "frames delayed" in r.getMessage()
               for r in caplog.records), "a summary line when a conditioned session closes"


def test_http_latency(target: Any) -> None:
    """HTTP requests wait the HTTP latency (default: twice the socket latency). Stated: >= the setting."""
    with conditioned_server(latency_ms=60) as server:
        client = nakama_sync.Client(host=server.host, port=server.port)
        try:
            started = time.monotonic()
            session = client.authenticate_custom("custom-http-user", username="http")
            assert time.monotonic() - started >= 0.120
            server.set_conditions(http_latency_ms=0)
            client.get_account(session)
            assert server.stats()["http_requests_delayed"] == 1
        finally:
            client.close()


def test_bad_conditions_are_typed_errors() -> None:
    from nakama_sync.devserver import DevServer
    with pytest.raises(InvalidConditions):
        DevServer(port=0, loss=1.5)
    with pytest.raises(ValueError):
        DevServer(port=0, latency_ms=-1)
    server = DevServer(port=0)
    with pytest.raises(InvalidConditions):
        server.set_conditions(jitter_ms=float("nan"))
    with pytest.raises(InvalidConditions):
        server.set_conditions("some-user", http_latency_ms=10)
    assert isinstance(InvalidConditions("x"), nakama_sync.NakamaError)


def test_command_line_flags() -> None:
    bad = subprocess.run([sys.executable, "-m", "nakama_sync.devserver", "--port", "0", "--loss", "2"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "loss must be a number from 0 to 1" in bad.stderr
    proc = subprocess.Popen([sys.executable, "-m", "nakama_sync.devserver", "--port", "0", "--latency", "120",
                             "--jitter", "30", "--loss", "0.05", "--bandwidth", "512", "--seed", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()   # returns once the server listens (or the process died)
        assert "listening on" in line, line
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert ("network conditions for all sessions: latency 120 ms ±30 ms jitter each way, 5.0% loss of "
            "unreliable match data each way, bandwidth 512 kbit/s each way; http latency 240 ms (seed 4)") in err


def test_bandwidth_cap_spaces_frames_out() -> None:
    """64 kbit/s to ben: 40 states of ~1 kB (about 8 kbit each) need >= 4.5 s of link time (stated:
    the last arrives >= 4 s after the first was sent), and none is lost."""
    pad = "x" * 950
    with conditioned_server() as server, players(server, "ana", "ben") as (ana, ben):
        server.set_conditions(ben.session.user_id, bandwidth_kbps=64)
        match_id = join_one_match([ana, ben])
        first = time.monotonic()
        for i in range(40):
            ana.socket.send_match_state(match_id, 1, f'{{"seq": {i}, "t": 0, "pad": "{pad}"}}')
        ben.inbox.wait_for(lambda got: len(got) >= 40, 30, "40 states")
        assert [body["seq"] for _, body in ben.inbox.items] == list(range(40))
        assert ben.inbox.items[-1][0] - first >= 4.0


@pytest.mark.parametrize(("frame", "reliable"), [
    ('{"match_data_send":{"match_id":"m.","op_code":"1","data":"AA=="}}', False),
    ('{"match_data_send":{"match_id":"m.","op_code":"1","reliable":false}}', False),
    ('{"matchDataSend":{"matchId":"m.","opCode":"1","reliable":true}}', True),
    ('{"match_data_send":{"reliable":"yes"}}', True),     # malformed: the dispatcher closes; never dropped
    ('{"match_data_send": [', True),
])
def test_which_incoming_frames_may_be_lost(frame: str, reliable: bool) -> None:
    from nakama_sync.devserver._conditions import _MATCH_DATA_SEND, _reliable
    assert _MATCH_DATA_SEND.search(frame)
    assert _reliable(frame) is reliable
