# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_discovery.py (token discovery, step by step), _pki.select_pinned and
the cluster_info module.

The steps run over an injected fetch; https_fetch and the whole discovery also run against
real TLS servers on loopback (Python's http.server + ssl; certificates made with
cryptography): a cluster-info server, one that trickles its answer, one that sends 2 MiB, and
one whose certificate another CA signed. Pins of openssl-made CAs are cross-checked with the
openssl pipeline of kubeadm's documentation.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import ipaddress
import json
import shutil
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _discovery as disc
from ansible_collections.hardway.nodejoin.plugins.module_utils import _pki
from ansible_collections.hardway.nodejoin.plugins.modules import cluster_info
from ansible_collections.hardway.nodejoin.tests.unit.helpers import make_openssl_ca, run_module, sh

pytest.importorskip("jwt")

TOKEN_ID, TOKEN_SECRET = "abcdef", "0123456789abcdef"
TOKEN = "%s.%s" % (TOKEN_ID, TOKEN_SECRET)
SERVER = "https://127.0.0.1:6443"


# --- certificates --------------------------------------------------------------------------

def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_server_cert(ca_cert, ca_key, ip="127.0.0.1"):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name("kube-apiserver")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


CA, CA_KEY = make_ca("kubernetes")
OTHER_CA, OTHER_KEY = make_ca("intruder")
PIN = _pki.ca_cert_hash(CA)
OTHER_PIN = _pki.ca_cert_hash(OTHER_CA)


def kubeconfig_of(ca_pem, server=SERVER):
    return ("apiVersion: v1\nkind: Config\nclusters:\n- name: ''\n  cluster:\n    server: %s\n"
            "    certificate-authority-data: %s\ncontexts: []\nusers: []\n"
            % (server, base64.b64encode(ca_pem).decode()))


def cluster_info_data(ca_pem=None, token_id=TOKEN_ID, token_secret=TOKEN_SECRET, sign=True):
    content = kubeconfig_of(ca_pem if ca_pem is not None else pem(CA))
    data = {"kubeconfig": content}
    if sign:
        data[bt.JWS_KEY_PREFIX + token_id] = bt.compute_detached_jws(content, token_id, token_secret)
    return data


class FakeFetch:
    """fetch(api_server, timeout, ca_pem) over a list of answers (dicts or FetchErrors; the last repeats)."""

    def __init__(self, *answers, clock=None, cost=0):
        self.answers, self.calls, self.clock, self.cost = list(answers), [], clock, cost

    def __call__(self, api_server, timeout, ca_pem=None):
        self.calls.append(dict(api_server=api_server, timeout=timeout, ca_pem=ca_pem))
        if self.clock is not None:
            self.clock.now += self.cost
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def discover(fetch, t=None, pins=(PIN,), timeout=10, **kwargs):
    t = t or FakeTime()
    return disc.discover(SERVER, TOKEN, list(pins), timeout, interval=1, fetch=fetch, clock=t.clock, sleep=t.sleep,
                         **kwargs)


# --- the steps over an injected fetch -----------------------------------------------------------

def test_discover_happy_path_two_fetches_second_verified_with_the_pinned_ca():
    data = cluster_info_data()
    fetch = FakeFetch(data)
    found = discover(fetch)
    assert found == dict(ca_cert=pem(CA).decode(), ca_cert_hashes=[PIN], found_hashes=[PIN], server=SERVER,
                         token_id=TOKEN_ID)
    assert [c["ca_pem"] for c in fetch.calls] == [None, pem(CA).decode()]


def test_waits_for_the_signature_and_retries_errors():
    t = FakeTime()
    fetch = FakeFetch(disc.FetchError("connection refused"), cluster_info_data(sign=False), cluster_info_data())
    assert discover(fetch, t)["ca_cert_hashes"] == [PIN]
    assert len(fetch.calls) == 4 and t.now == 2


def test_one_deadline_over_everything_each_fetch_gets_what_is_left():
    t = FakeTime()
    fetch = FakeFetch(cluster_info_data(sign=False), clock=t, cost=3)  # each request takes 3 s
    with pytest.raises(disc.DiscoveryError) as info:
        discover(fetch, t, timeout=10)
    assert [round(c["timeout"], 3) for c in fetch.calls] == [10, 6, 2]
    assert t.now == 11  # 3 + 1 + 3 + 1 + 3 (the last request was given 2 s, the fake took 3)
    assert str(info.value).startswith("after 11s: cluster-info has no JWS signature for token-id abcdef")


def test_no_time_left_for_the_second_fetch():
    t = FakeTime()
    fetch = FakeFetch(cluster_info_data(), clock=t, cost=11)
    with pytest.raises(disc.DiscoveryError, match="no time left for the second"):
        discover(fetch, t, timeout=10)
    assert len(fetch.calls) == 1


def test_anonymous_read_refused_says_what_to_enable():
    fetch = FakeFetch(disc.FetchError("HTTP 403", status=403))
    with pytest.raises(disc.DiscoveryError, match="--anonymous-auth=true and the Role/RoleBinding"):
        discover(fetch, timeout=0)


def test_wrong_token_secret_does_not_verify():
    fetch = FakeFetch(cluster_info_data(token_secret="ffffffffffffffff"))
    with pytest.raises(disc.DiscoveryError, match="does not verify with this token") as info:
        discover(fetch)
    assert TOKEN_SECRET not in str(info.value) and len(fetch.calls) == 1


def test_unpinned_ca_is_refused_with_the_hashes_found():
    fetch = FakeFetch(cluster_info_data(ca_pem=pem(OTHER_CA)))
    with pytest.raises(disc.DiscoveryError, match="matches none of the pinned ca_cert_hashes") as info:
        discover(fetch)
    assert info.value.details == dict(ca_cert_hashes=[OTHER_PIN]) and len(fetch.calls) == 1


def test_a_bundle_keeps_only_the_pinned_certificate():
    # the pinned CA first, an intruder's second: the intruder must not be trusted
    for bundle in (pem(CA) + pem(OTHER_CA), pem(OTHER_CA) + pem(CA)):
        fetch = FakeFetch(cluster_info_data(ca_pem=bundle))
        found = discover(fetch)
        assert found["ca_cert"] == pem(CA).decode() and found["ca_cert_hashes"] == [PIN]
        assert sorted(found["found_hashes"]) == sorted([PIN, OTHER_PIN])
        assert fetch.calls[1]["ca_pem"] == pem(CA).decode()


def test_unsafe_skip_keeps_every_certificate_and_no_pin_without_it_is_refused_before_any_request():
    bundle = pem(CA) + pem(OTHER_CA)
    found = discover(FakeFetch(cluster_info_data(ca_pem=bundle)), pins=(), unsafe_skip_ca_verification=True)
    assert found["ca_cert"] == bundle.decode()
    fetch = FakeFetch(cluster_info_data())
    with pytest.raises(disc.DiscoveryError, match="give ca_cert_hashes"):
        discover(fetch, pins=())
    assert fetch.calls == []


def test_second_fetch_must_give_the_same_kubeconfig():
    first = cluster_info_data()
    second = dict(first, kubeconfig=first["kubeconfig"] + "# changed\n")
    with pytest.raises(disc.DiscoveryError, match="differed between the unverified and the verified fetch"):
        discover(FakeFetch(first, second))
    with pytest.raises(disc.DiscoveryError, match="second fetch of cluster-info with the discovered CA failed"):
        discover(FakeFetch(first, disc.FetchError("CERTIFICATE_VERIFY_FAILED")))


@pytest.mark.parametrize("content, message", [
    ("", "has no kubeconfig key"),
    ("clusters: []\n", "expected exactly one cluster, found 0"),
    ("clusters:\n- cluster: {server: x}\n", "no certificate-authority-data"),
    ("clusters:\n- cluster: {certificate-authority-data: bm90IGEgY2VydA==}\n", "no PEM certificate found"),
])
def test_malformed_cluster_info(content, message):
    data = {"kubeconfig": content}
    if content:
        data[bt.JWS_KEY_PREFIX + TOKEN_ID] = bt.compute_detached_jws(content, TOKEN_ID, TOKEN_SECRET)
    else:
        data[bt.JWS_KEY_PREFIX + TOKEN_ID] = "x..y"
    with pytest.raises(disc.DiscoveryError, match=message):
        discover(FakeFetch(data))


@pytest.mark.parametrize("api_server", ["http://127.0.0.1:6443", "127.0.0.1:6443", "ftp://x", "https://:6443",
                                        "https://h:port"])
def test_only_https_urls(api_server):
    with pytest.raises(disc.DiscoveryError, match="api_server"):
        disc.discover(api_server, TOKEN, [PIN], 1, fetch=FakeFetch({}))


def test_parse_api_server():
    assert disc.parse_api_server("https://10.0.0.10:6443") == ("10.0.0.10", 6443, "")
    assert disc.parse_api_server("HTTPS://lb1/k8s/") == ("lb1", 443, "/k8s")
    assert disc.parse_api_server("https://[fd00::10]:6443") == ("fd00::10", 6443, "")


def test_bad_pins_and_tokens():
    with pytest.raises(disc.DiscoveryError, match="invalid CA cert hash 'sha256:abc'"):
        disc.normalize_pins(["sha256:abc"])
    assert disc.normalize_pins([" SHA256:" + "A" * 64]) == ["sha256:" + "a" * 64]
    with pytest.raises(disc.DiscoveryError, match="malformed bootstrap token"):
        disc.discover(SERVER, "abcdef.SECRET", [PIN], 1, fetch=FakeFetch({}))


# --- select_pinned, cross-checked with openssl ---------------------------------------------------

@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_select_pinned_agrees_with_openssl(tmp_path):
    rsa_crt, _k = make_openssl_ca(tmp_path / "rsa")
    ec_crt, _k = make_openssl_ca(tmp_path / "ec", kind="ec", cn="front-proxy-ca")

    def openssl_hash(data):
        path = tmp_path / "one.crt"
        path.write_bytes(data)
        out = sh("openssl x509 -pubkey -noout -in %s | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex"
                 % path)
        return "sha256:" + out.strip().split()[-1]

    rsa_pin, ec_pin = openssl_hash(rsa_crt.read_bytes()), openssl_hash(ec_crt.read_bytes())
    bundle = rsa_crt.read_bytes() + b"# a comment between\n" + ec_crt.read_bytes()
    kept_pem, kept, found = _pki.select_pinned(bundle, [ec_pin.upper()])
    assert found == [rsa_pin, ec_pin] and kept == [ec_pin]
    assert kept_pem.count("BEGIN CERTIFICATE") == 1 and openssl_hash(kept_pem.encode()) == ec_pin
    assert _pki.select_pinned(bundle, [])[1] == [rsa_pin, ec_pin]
    with pytest.raises(_pki.PKIError, match="refusing to trust it"):
        _pki.select_pinned(bundle, [PIN])


# --- https_fetch and the module against TLS servers on loopback -----------------------------------

class Server:
    """An HTTPS server on 127.0.0.1 whose handler is ``behaviour(handler)``."""

    def __init__(self, tmp_path, behaviour, cert=None):
        cert, key = cert or make_server_cert(CA, CA_KEY)
        (tmp_path / "srv.crt").write_bytes(pem(cert))
        (tmp_path / "srv.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                behaviour(self)

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tmp_path / "srv.crt"), str(tmp_path / "srv.key"))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def answer_json(data, status=200):
    body = json.dumps({"kind": "ConfigMap", "data": data}).encode()

    def behaviour(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return behaviour


@pytest.fixture
def server(tmp_path):
    servers = []

    def start(behaviour, cert=None):
        servers.append(Server(tmp_path, behaviour, cert))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_https_fetch_unverified_then_verified(server):
    data = cluster_info_data(ca_pem=pem(CA))
    srv = server(answer_json(data))
    assert disc.https_fetch(srv.url, 5) == data
    assert disc.https_fetch(srv.url, 5, ca_pem=pem(CA).decode()) == data
    with pytest.raises(disc.FetchError, match="TLS verification with the discovered CA failed"):
        disc.https_fetch(srv.url, 5, ca_pem=pem(OTHER_CA))


def test_https_fetch_http_status_is_kept(server):
    srv = server(answer_json({}, status=403))
    with pytest.raises(disc.FetchError) as info:
        disc.https_fetch(srv.url, 5)
    assert info.value.status == 403


def test_https_fetch_refuses_large_answers(server):
    big = b"x" * (2 * 1024 * 1024)

    def announced(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(big)))
        handler.end_headers()
        handler.wfile.write(big)

    def unannounced(handler):
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(big)
        handler.close_connection = True

    for behaviour in (announced, unannounced):
        srv = server(behaviour)
        with pytest.raises(disc.FetchError, match="than the 1048576 bytes a cluster-info may be|more than the 1048576"):
            disc.https_fetch(srv.url, 5)


def test_https_fetch_a_trickling_server_cannot_hold_it(server):
    def trickle(handler):
        handler.send_response(200)
        handler.end_headers()
        try:
            for dummy in range(100):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    srv = server(trickle)
    start = time.monotonic()
    with pytest.raises(disc.FetchError, match="no complete answer within 1.0 s"):
        disc.https_fetch(srv.url, 1.0)
    assert time.monotonic() - start < 2.5


def test_module_discovers_against_a_real_server_and_keeps_only_the_pinned_ca(server, monkeypatch, capsys):
    data = cluster_info_data(ca_pem=pem(CA) + pem(OTHER_CA))
    srv = server(answer_json(data))
    result = run_module(cluster_info.main, dict(api_server=srv.url, token=TOKEN, ca_cert_hashes=[PIN], timeout=10),
                        monkeypatch, capsys)
    assert "failed" not in result, result
    assert result["ca_cert"] == pem(CA).decode() and result["ca_cert_hashes"] == [PIN, OTHER_PIN]
    assert result["token_id"] == TOKEN_ID and result["server"] == SERVER
    assert TOKEN_SECRET not in json.dumps(dict((k, v) for k, v in result.items() if k != "invocation"))


def test_module_whole_discovery_bounded_by_timeout(server, monkeypatch, capsys):
    def slow(handler):
        time.sleep(5)
        answer_json(cluster_info_data())(handler)

    srv = server(slow)
    start = time.monotonic()
    result = run_module(cluster_info.main, dict(api_server=srv.url, token=TOKEN, ca_cert_hashes=[PIN], timeout=2,
                                                poll_interval=0.2), monkeypatch, capsys)
    took = time.monotonic() - start
    assert result["failed"] is True and result["msg"].startswith("after 2s: "), result
    assert took < 3.5, took


def test_module_refuses_http_and_unpinned(monkeypatch, capsys):
    result = run_module(cluster_info.main, dict(api_server="http://127.0.0.1:6443", token=TOKEN, ca_cert_hashes=[PIN]),
                        monkeypatch, capsys)
    assert result["failed"] is True and "must be an https:// URL" in result["msg"]
    result = run_module(cluster_info.main, dict(api_server=SERVER, token=TOKEN), monkeypatch, capsys)
    assert result["failed"] is True and "give ca_cert_hashes" in result["msg"]


def test_module_names_every_missing_library(monkeypatch, capsys):
    from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc

    assert disc.missing_libraries() == []
    monkeypatch.setattr(bt, "HAS_PYJWT", False)
    monkeypatch.setattr(kc, "HAS_YAML", False)
    result = run_module(cluster_info.main, dict(api_server=SERVER, token=TOKEN, ca_cert_hashes=[PIN]), monkeypatch, capsys)
    assert result["failed"] is True
    assert "Failed to import the required Python library (PyJWT, PyYAML)" in result["msg"]
