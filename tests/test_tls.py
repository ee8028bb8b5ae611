"""TLS (issue 6): https:// and wss:// against the dev server run with a self-signed certificate. Verified by
default (a clear typed error), accepted with the certificate as the CA bundle (``verify=path``); a socket
over TLS reconnects too."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nakama_sync
from nakama_sync import TransportError
from nakama_sync.client import RetryConfig
from nakama_sync.devserver import DevServer

from ._proxy import FAST, Events, Proxy
from ._socket_helpers import pump_until
from .conftest import unique

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevServer, str]]:
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    with DevServer(port=0, ssl_certificate=str(cert), ssl_private_key=str(key)) as server:
        yield server, str(cert)


def _client(port: int, **options: Any) -> nakama_sync.Client:
    return nakama_sync.Client(host="127.0.0.1", port=port, ssl=True, retries=RetryConfig(max_attempts=1),
                              **options)


def test_https_refuses_a_self_signed_certificate_by_default(tls_server) -> None:
    server, _ = tls_server
    with _client(server.port) as strict, pytest.raises(TransportError, match="(?i)certificate"):
        strict.authenticate_device(unique("device"), create=True)


def test_https_and_wss_accept_it_with_the_ca_bundle(tls_server) -> None:
    server, cert = tls_server
    with _client(server.port, verify=cert) as trusted:
        session = trusted.authenticate_device(unique("device"), create=True)
        assert trusted.get_account(session).user.id == session.user_id
        sock = trusted.create_socket()
        try:
            sock.connect(session, connect_timeout=10)
            assert sock._base_url().startswith("wss://")
            sock.ping()
            assert sock.update_status("over tls") is None
        finally:
            sock.close()


def test_wss_refuses_a_self_signed_certificate_by_default(tls_server) -> None:
    server, cert = tls_server
    with _client(server.port, verify=cert) as trusted:
        session = trusted.authenticate_device(unique("device"), create=True)
    with _client(server.port) as strict:
        sock = strict.create_socket()
        with pytest.raises(TransportError, match="certificate does not verify") as info:
            sock.connect(session, connect_timeout=10)
        assert "verify=" in str(info.value)
        assert not sock.is_connected


def test_a_tls_socket_reconnects_after_a_cut(tls_server) -> None:
    server, cert = tls_server
    with Proxy("127.0.0.1", server.port) as proxy, _client(proxy.port, verify=cert) as trusted:
        session = trusted.authenticate_device(unique("device"), create=True)
        sock = trusted.create_socket(reconnect=FAST)
        events = Events(sock, "reconnected", "closed")
        try:
            sock.connect(session, connect_timeout=10)
            room = sock.join_chat(unique("room"), nakama_sync.ChannelType.ROOM)
            proxy.cut()
            pump_until(sock, lambda: events.of("reconnected"), timeout=10, what="reconnected")
            assert [c.id for c in events.of("reconnected")[0].channels] == [room.id]
            sock.ping()
        finally:
            sock.close()
