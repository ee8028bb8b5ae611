"""RPC over HTTP (session or http_key), its payload encoding and its error shapes."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

import nakama_sync
from nakama_sync import ApiError, Rpc, Session


def test_echo_text(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    result = client.rpc(new_session(), "echo", "hello")
    assert isinstance(result, Rpc)
    assert (result.id, result.payload) == ("echo", "hello")


def test_echo_json_value(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    result = client.rpc(new_session(), "echo", {"x": 1, "y": "z", "ü": [1, 2]})
    assert json.loads(result.payload) == {"x": 1, "y": "z", "ü": [1, 2]}


def test_no_payload(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    assert client.rpc(new_session(), "echo").payload == ""


def test_id_is_case_insensitive(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    assert client.rpc(new_session(), "ECHO", "x").payload == "x"


def test_function_that_raises(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    with pytest.raises(ApiError) as exc:
        client.rpc(new_session(), "fail", "")
    assert (exc.value.status_code, exc.value.grpc_code) == (500, 13)
    assert exc.value.message == "testkit deliberate failure"


def test_unknown_function(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    with pytest.raises(ApiError) as exc:
        client.rpc(new_session(), "no_such_rpc_here", "")
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == (404, 5, "RPC function not found")


def test_http_key(client: nakama_sync.Client, target: Any) -> None:
    assert client.rpc_http_key(target.http_key, "echo", "hi").payload == "hi"
    with pytest.raises(ApiError) as exc:
        client.rpc_http_key("wrong-key", "echo", "hi")
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == (401, 16, "HTTP key invalid")
    with pytest.raises(ApiError) as exc:
        client.rpc_http_key(target.http_key, "notify_me", "")      # needs a user
    assert (exc.value.status_code, exc.value.grpc_code) == (500, 13)


def test_notify_me_with_a_session(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    assert json.loads(client.rpc(new_session(), "notify_me").payload) == {"sent": True}


def _url(target: Any, rpc_id: str) -> str:
    return f"{'https' if target.ssl else 'http'}://{target.host}:{target.port}/v2/rpc/{rpc_id}"


def test_raw_wire_shapes(target: Any, client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    """What other SDKs rely on: query http_key, unwrap, Basic http_key, the RPC error body."""
    url = _url(target, "echo")
    with requests.Session() as http:
        reply = http.post(url, params={"http_key": target.http_key, "unwrap": ""}, data='{"x":1}', timeout=10)
        assert (reply.status_code, reply.json()) == (200, {"x": 1})
        basic = "Basic " + base64.b64encode(f"{target.http_key}:".encode()).decode()
        reply = http.post(url, headers={"Authorization": basic}, data=json.dumps("hey"), timeout=10)
        assert reply.json() == {"payload": "hey"}
        reply = http.get(url, params={"http_key": target.http_key, "payload": "ignored"}, timeout=10)
        assert reply.json() == {"payload": ""}
        reply = http.post(url, data=json.dumps("hey"), timeout=10)
        assert reply.status_code == 401
        assert reply.json() == {"error": "Auth token or HTTP key required",
                                "message": "Auth token or HTTP key required", "code": 16}
        session = new_session()
        reply = http.post(url, headers={"Authorization": f"Bearer {session.token}"}, data='{"x":1}', timeout=10)
        assert reply.status_code == 400
        assert reply.json()["code"] == 3
        assert "cannot unmarshal object" in reply.json()["message"]
        reply = http.post(_url(target, "fail"), params={"http_key": target.http_key}, data='""', timeout=10)
        assert reply.status_code == 500
        assert reply.json() == {"code": 13, "error": {}, "message": "testkit deliberate failure"}
