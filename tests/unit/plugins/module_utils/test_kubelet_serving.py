# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_kubelet_serving.py (the address kube-apiserver dials, the TLS check it
makes) against real TLS servers on 127.0.0.1 with certificates from a throw-away CA, and of the
modules kubelet_serving_info and kubelet_serving_csr_approve over a fake API."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import ipaddress
import socket
import ssl
import threading

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubelet_serving as ks

pytest.importorskip("kubernetes")

from ansible_collections.hardway.nodejoin.plugins.modules import kubelet_serving_csr_approve, kubelet_serving_info  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    FakeApi, api_error, fake_kube, items, run_module)
from ansible_collections.hardway.nodejoin.tests.unit.plugins.module_utils.test_csr_policy import (  # noqa: E402
    NODES, csr_obj, make_csr, spec)

NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, key, signer, sans=(), ca=False):
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(minutes=5)).not_valid_after(NOW + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(s)) if s[0].isdigit() else x509.DNSName(s) for s in sans]), critical=False)
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("kubernetes", "kubernetes", ca_key, ca_key, ca=True)
    (d / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out = dict(ca=str(d / "ca.crt"))
    for label, sans, self_signed in (("good", ("localhost", "127.0.0.1"), False), ("other", ("10.9.9.9",), False),
                                     ("selfsigned", ("127.0.0.1",), True)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert("system:node:w", "w-ca@1" if self_signed else "kubernetes", key, key if self_signed else ca_key, sans)
        (d / (label + ".pem")).write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        out[label] = str(d / (label + ".pem"))
    return out


@pytest.fixture()
def tls_server(pki):
    """Start a TLS server on 127.0.0.1 presenting the named certificate; returns its port."""
    servers = []

    def start(label):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki[label])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        sock.settimeout(5)
        servers.append(sock)

        def serve():
            try:
                conn, _peer = sock.accept()
                try:
                    context.wrap_socket(conn, server_side=True).close()
                except (ssl.SSLError, OSError):
                    conn.close()
            except OSError:
                pass
        threading.Thread(target=serve, daemon=True).start()
        return sock.getsockname()[1]
    yield start
    for sock in servers:
        sock.close()


def test_a_kubelet_certificate_of_the_cluster_ca_for_the_dialled_address_verifies(pki, tls_server):
    assert ks.verify_kubelet("127.0.0.1", tls_server("good"), pki["ca"]) is None
    assert ks.verify_kubelet("localhost", tls_server("good"), pki["ca"]) is None


def test_a_self_signed_kubelet_certificate_does_not_verify(pki, tls_server):
    why = ks.verify_kubelet("127.0.0.1", tls_server("selfsigned"), pki["ca"])
    assert why and "does not verify against %s for 127.0.0.1" % pki["ca"] in why, why


def test_a_certificate_for_another_address_does_not_verify(pki, tls_server):
    why = ks.verify_kubelet("127.0.0.1", tls_server("other"), pki["ca"])
    assert why and "does not verify" in why and "127.0.0.1" in why, why


def test_nothing_listening_is_reported(pki):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    why = ks.verify_kubelet("127.0.0.1", port, pki["ca"], timeout=2)
    assert why.startswith("no TLS connection to 127.0.0.1:%d" % port), why


def _node(addresses, port=10250):
    return {"status": {"addresses": [dict(type=t, address=a) for t, a in addresses],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}}


def test_kubelet_endpoint_follows_the_preferred_address_types():
    node = _node([("InternalIP", "10.0.0.11"), ("Hostname", "worker1")], port=10251)
    assert ks.kubelet_endpoint(node) == ("worker1", 10251)
    assert ks.kubelet_endpoint(node, ("InternalIP", "Hostname")) == ("10.0.0.11", 10251)
    assert ks.kubelet_endpoint(node, ("ExternalIP",)) == (None, 10251)
    assert ks.kubelet_endpoint({"status": {}}) == (None, 10250)


def test_preferred_address_types_from_the_running_flags():
    assert ks.preferred_address_types({}) == ks.DEFAULT_PREFERRED_ADDRESS_TYPES
    assert ks.preferred_address_types({"--kubelet-preferred-address-types": "InternalIP, Hostname"}) == (
        "InternalIP", "Hostname")
    assert ks.unverified({"a": None, "c": "why", "b": "why"}) == ["b", "c"]


# --- the modules over a fake API ---------------------------------------------------------

def _v1node(name, addresses, port):
    obj = _node(addresses, port)
    obj["metadata"] = {"name": name}
    return type("N", (), dict(metadata=type("M", (), dict(name=name))(), obj=obj))()


def test_info_module_names_the_kubelets_that_do_not_verify(monkeypatch, capsys, pki, tls_server):
    good, bad = tls_server("good"), tls_server("selfsigned")
    nodes = [_v1node("w1", [("InternalIP", "127.0.0.1")], good), _v1node("w2", [("InternalIP", "127.0.0.1")], bad)]
    api = FakeApi(dict(list_node=[items(*nodes)]))
    client = fake_kube(monkeypatch, api)
    client.sanitize_for_serialization = lambda n: n.obj
    result = run_module(kubelet_serving_info.main, dict(ca_file=pki["ca"], timeout=0), monkeypatch, capsys)
    assert result["failed"] and result["unverified"] == ["w2"]
    assert result["msg"].startswith("the kubelet of w2 serves no certificate kube-apiserver could verify")
    assert result["nodes"]["w1"]["verified"] and not result["nodes"]["w2"]["verified"]


def test_info_module_passes_when_all_verify(monkeypatch, capsys, pki, tls_server):
    nodes = [_v1node("w1", [("Hostname", "localhost"), ("InternalIP", "127.0.0.1")], tls_server("good"))]
    api = FakeApi(dict(list_node=[items(*nodes)]))
    client = fake_kube(monkeypatch, api)
    client.sanitize_for_serialization = lambda n: n.obj
    result = run_module(kubelet_serving_info.main, dict(ca_file=pki["ca"], timeout=0), monkeypatch, capsys)
    assert not result.get("failed") and not result["changed"] and result["unverified"] == []
    assert result["nodes"]["w1"]["address"] == "localhost"


def test_info_module_without_the_ca_file_fails_at_once(monkeypatch, capsys, tmp_path):
    fake_kube(monkeypatch, FakeApi(dict(list_node=[items()])))
    result = run_module(kubelet_serving_info.main, dict(ca_file=str(tmp_path / "nope.crt")), monkeypatch, capsys)
    assert result["failed"] and "does not exist on this host" in result["msg"]


INVENTORY_ARG = {"worker1": ["10.0.0.11"], "worker2": ["10.0.0.12"]}


def _approve_api(csrs, after=None):
    """list answers: ``csrs`` first, then ``after`` (e.g. the CSR issued)."""
    approvals = []

    def replace(name, body, **_kw):
        approvals.append((name, body["status"]["conditions"][-1]))
        return body
    api = FakeApi(dict(list_certificate_signing_request=[items(*csrs)] + ([items(*after)] if after else []),
                       list_node=[items(*NODES.values())], replace_certificate_signing_request_approval=[replace]))
    return api, approvals


def test_approve_module_approves_waits_for_issued_and_reports(monkeypatch, capsys):
    pending = csr_obj("c1", spec())
    issued = csr_obj("c1", spec(), conditions=("Approved",), certificate=base64.b64encode(b"cert").decode())
    api, approvals = _approve_api([pending], after=[issued])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, only=["worker1"],
                                                               wait_for_issued=["worker1"], poll_interval=0.01),
                        monkeypatch, capsys)
    assert not result.get("failed"), result
    assert result["changed"] and result["issued"] == {"worker1": "c1"}
    assert [(c["name"], c["result"]) for c in result["csrs"]] == [("c1", "approved")]
    assert approvals[0][1]["type"] == "Approved"
    assert all(t == 15 for t in api.timeouts())


def test_approve_module_fails_at_once_when_the_awaited_node_is_denied(monkeypatch, capsys):
    api, approvals = _approve_api([csr_obj("bad", spec(make_csr(ips=("10.0.0.12",))))])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"],
                                                               timeout=30), monkeypatch, capsys)
    assert result["failed"] and result["changed"]
    assert "the serving CSR bad of node worker1 was denied: IP SAN 10.0.0.12" in result["msg"]
    assert approvals[0][1]["type"] == "Denied"


def test_approve_module_does_not_take_an_earlier_joins_csr_for_the_new_one(monkeypatch, capsys):
    """A kubelet restarted for a serving certificate at 12:00:00: the CSR issued to it at 09:00
    (an earlier join) does not count; the new one is approved and waited for."""
    old = csr_obj("old", spec(), conditions=("Approved",), created="2026-11-29T09:00:00Z", certificate="Y2VydA==")
    new = csr_obj("new", spec(), created="2026-11-29T12:00:01Z")
    issued = csr_obj("new", spec(), conditions=("Approved",), created="2026-11-29T12:00:01Z", certificate="Y2VydA==")
    api, approvals = _approve_api([old, new], after=[old, issued])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main,
                        dict(nodes=INVENTORY_ARG, only=["worker1"], wait_for_issued=["worker1"], poll_interval=0.01,
                             created_after="2026-11-29T12:00:00.250000Z", clock_skew=30),
                        monkeypatch, capsys)
    assert not result.get("failed"), result
    assert result["issued"] == {"worker1": "new"} and [a[0] for a in approvals] == ["new"]
    # without created_after the old one is taken at once (the behaviour this option exists for)
    api, approvals = _approve_api([old, new])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"]),
                        monkeypatch, capsys)
    assert result["issued"] == {"worker1": "old"}


def test_approve_module_fails_at_once_when_the_timer_denied_the_new_csr(monkeypatch, capsys):
    denied = csr_obj("bad", spec(), created="2026-11-29T12:00:05Z")
    denied["status"]["conditions"] = [dict(type="Denied", status="True", reason="HardwayNodejoinServingPolicyDenied",
                                           message="IP SAN 10.0.0.12 is not an address of node worker1")]
    api, approvals = _approve_api([denied])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main,
                        dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"], timeout=30,
                             created_after="2026-11-29T12:00:00Z"), monkeypatch, capsys)
    assert result["failed"] and approvals == []
    assert "the serving CSR bad of node worker1 was denied: Denied: HardwayNodejoinServingPolicyDenied: IP SAN" \
        in result["msg"]
    result = run_module(kubelet_serving_csr_approve.main,
                        dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"], created_after="soon"),
                        monkeypatch, capsys)
    assert result["failed"] and "RFC 3339" in result["msg"]


def test_approve_module_check_mode_decides_but_writes_nothing(monkeypatch, capsys):
    api, approvals = _approve_api([csr_obj("c1", spec())])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"]),
                        monkeypatch, capsys, check_mode=True)
    assert not result.get("failed") and result["changed"]
    assert result["csrs"][0]["result"] == "would approve" and approvals == []


def test_approve_module_without_pending_csrs_changes_nothing(monkeypatch, capsys):
    api, _approvals = _approve_api([csr_obj("old", spec(), conditions=("Approved",), certificate="Y2VydA==")])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG), monkeypatch, capsys)
    assert not result.get("failed") and not result["changed"] and result["csrs"] == []
    assert "list_node" not in [c[0] for c in api.calls]


def test_approve_module_timeout_and_input_errors(monkeypatch, capsys):
    api, _approvals = _approve_api([])
    fake_kube(monkeypatch, api)
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, wait_for_issued=["worker1"],
                                                               timeout=0), monkeypatch, capsys)
    assert result["failed"] and result["msg"].startswith("after 0s no Approved,Issued kubelet serving CSR of worker1")
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, wait_for_issued=["worker9"]),
                        monkeypatch, capsys)
    assert result["failed"] and "no key of nodes" in result["msg"]
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG, max_expiration_seconds=10),
                        monkeypatch, capsys)
    assert result["failed"] and "at least 600" in result["msg"]


def test_approve_module_reports_api_errors(monkeypatch, capsys):
    fake_kube(monkeypatch, FakeApi(dict(list_certificate_signing_request=[api_error(403, "Forbidden", "no list")])))
    result = run_module(kubelet_serving_csr_approve.main, dict(nodes=INVENTORY_ARG), monkeypatch, capsys)
    assert result["failed"] and "forbidden" in result["msg"] and "no list" in result["msg"]
