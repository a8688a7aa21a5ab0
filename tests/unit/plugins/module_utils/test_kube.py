# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_kube.py: how failures of the kubernetes client are explained.

The exceptions are real ``kubernetes.client.rest.ApiException`` and urllib3 / ssl objects;
the end-to-end tests run the real client against loopback: a refused port, a listener
that never answers, and a small HTTPS server (Python's own http.server + ssl, with a
certificate made by cryptography) that answers like kube-apiserver with Status objects.
No cluster is needed.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

kubernetes = pytest.importorskip("kubernetes")
urllib3 = pytest.importorskip("urllib3")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from kubernetes import client as k8s_client  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube  # noqa: E402

SERVER = "https://10.0.0.10:6443"


def api_exception(status, reason, message=None, body=None):
    exc = ApiException(status=status, reason=reason)
    if message is not None:
        exc.body = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": message, "reason": reason, "code": status})
    elif body is not None:
        exc.body = body
    return exc


# --- describe_api_exception -------------------------------------------------------------

def test_401_names_the_credentials():
    exc = api_exception(401, "Unauthorized", message="Unauthorized")
    msg = _kube.describe_api_exception(exc, SERVER)
    assert SERVER in msg
    assert "401" in msg
    assert "credentials" in msg
    assert "token is wrong or expired" in msg


def test_403_says_forbidden_and_carries_the_server_message():
    text = ('nodes is forbidden: User "system:bootstrap:abcdef" cannot list resource "nodes" '
            'in API group "" at the cluster scope')
    msg = _kube.describe_api_exception(api_exception(403, "Forbidden", message=text), SERVER)
    assert msg.startswith("forbidden by the API server %s (403)" % SERVER)
    assert text in msg
    # the server's message, not the raw JSON body
    assert '"kind"' not in msg


def test_404_has_status_reason_and_message():
    text = 'secrets "bootstrap-token-abcdef" not found'
    msg = _kube.describe_api_exception(api_exception(404, "Not Found", message=text), SERVER)
    assert "404 Not Found" in msg
    assert text in msg
    assert "forbidden" not in msg and "credentials" not in msg


def test_other_status_with_a_non_json_body_shows_the_body():
    msg = _kube.describe_api_exception(api_exception(502, "Bad Gateway", body="upstream connect error"), SERVER)
    assert "502 Bad Gateway" in msg
    assert "upstream connect error" in msg


def test_status_without_reason_reads_cleanly():
    msg = _kube.describe_api_exception(api_exception(500, None, message="etcdserver: request timed out"), SERVER)
    assert "(500)" in msg
    assert "None" not in msg
    assert "etcdserver: request timed out" in msg


def test_status_0_ssl_error_from_the_rest_client_is_a_tls_failure():
    # kubernetes.client.rest turns a bare urllib3 SSLError into ApiException(status=0,
    # reason="SSLError\n<text>"): no HTTP answer came back, so it is no "API request failed (0 ...)".
    exc = ApiException(status=0, reason="SSLError\n[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                        "failed: unable to get local issuer certificate (_ssl.c:1006)")
    msg = _kube.describe_api_exception(exc, SERVER)
    assert msg.startswith("TLS failure talking to %s" % SERVER)
    assert "CERTIFICATE_VERIFY_FAILED" in msg
    assert "\n" not in msg


def test_status_0_other_error_is_not_reported_as_an_http_status():
    exc = ApiException(status=0, reason="Cannot prepare a request message for provided arguments.")
    msg = _kube.describe_api_exception(exc, SERVER)
    assert "Cannot prepare a request message" in msg
    assert "(0" not in msg


# --- describe_transport_error -----------------------------------------------------------

def max_retry(reason, url="/api/v1/nodes"):
    return urllib3.exceptions.MaxRetryError(None, url, reason=reason)


def test_connection_refused_says_cannot_reach():
    refused = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused")
    msg = _kube.describe_transport_error(max_retry(refused), SERVER)
    assert msg.startswith("cannot reach the API server %s" % SERVER)
    assert "Connection refused" in msg
    assert "TLS" not in msg
    # NewConnectionError subclasses ConnectTimeoutError in urllib3: still no "in time"
    assert "in time" not in msg


def test_bare_new_connection_error_says_cannot_reach():
    refused = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: "
                                                          "[Errno 113] No route to host")
    msg = _kube.describe_transport_error(refused, SERVER)
    assert msg.startswith("cannot reach the API server")
    assert "No route to host" in msg


def test_urllib3_ssl_error_is_a_tls_failure():
    reason = urllib3.exceptions.SSLError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)")
    msg = _kube.describe_transport_error(max_retry(reason), SERVER)
    assert msg.startswith("TLS failure talking to %s" % SERVER)
    assert "self-signed certificate" in msg
    assert "CA certificate" in msg


def test_hostname_mismatch_is_a_tls_failure():
    reason = urllib3.exceptions.SSLError(ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, "
           "certificate is not valid for '10.0.0.10'. (_ssl.c:1006)"))
    msg = _kube.describe_transport_error(max_retry(reason), SERVER)
    assert msg.startswith("TLS failure")
    assert "IP address mismatch" in msg


def test_stdlib_ssl_error_is_a_tls_failure_with_its_full_text():
    # ssl.SSLError has a string .reason ("WRONG_VERSION_NUMBER"): the message must use the
    # exception itself, and classify it as TLS even without "CERTIFICATE_VERIFY_FAILED"
    exc = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    exc.reason = "WRONG_VERSION_NUMBER"
    msg = _kube.describe_transport_error(exc, SERVER)
    assert msg.startswith("TLS failure")
    assert "wrong version number" in msg


def test_read_timeout_says_did_not_answer_in_time():
    reason = urllib3.exceptions.ReadTimeoutError(None, "/api/v1/nodes", "Read timed out. (read timeout=15)")
    msg = _kube.describe_transport_error(reason, SERVER)
    assert msg.startswith("the API server %s did not answer in time" % SERVER)


def test_connect_timeout_in_max_retry_says_did_not_answer_in_time():
    reason = urllib3.exceptions.ConnectTimeoutError(None, "Connection to 10.0.0.10 timed out. (connect timeout=15)")
    msg = _kube.describe_transport_error(max_retry(reason), SERVER)
    assert "did not answer in time" in msg
    assert "connect timeout=15" in msg


def test_protocol_error_says_cannot_reach():
    reason = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    msg = _kube.describe_transport_error(max_retry(reason), SERVER)
    assert msg.startswith("cannot reach the API server")
    assert "Connection aborted" in msg


def test_non_transport_error_is_not_called_unreachable():
    # e.g. client 22 deserializing an object of a newer server
    exc = ValueError("Invalid value for `conditions`, must not be `None`")
    msg = _kube.describe_transport_error(exc, SERVER)
    assert "cannot reach" not in msg
    assert "TLS" not in msg
    assert "ValueError" in msg
    assert "Invalid value for `conditions`" in msg


# --- end to end against loopback ---------------------------------------------------------

def test_call_to_a_refused_port_raises_cannot_reach():
    api = _kube.build_api_client(host="https://127.0.0.1:9")
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_node, _request_timeout=5)
    assert "cannot reach the API server https://127.0.0.1:9" in str(info.value)
    assert info.value.status is None


def test_call_with_a_bad_argument_is_a_client_error_not_unreachable():
    api = _kube.build_api_client(host="https://127.0.0.1:9")
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_node, no_such_argument=1)
    assert "cannot reach" not in str(info.value)
    assert "no_such_argument" in str(info.value)


def test_call_to_a_silent_listener_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # the kernel completes the TCP handshake; nobody ever answers
    try:
        api = _kube.build_api_client(host="https://127.0.0.1:%d" % listener.getsockname()[1])
        with pytest.raises(_kube.KubeError) as info:
            _kube.call(api, k8s_client.CoreV1Api(api).list_node, _request_timeout=1)
    finally:
        listener.close()
    assert "did not answer in time" in str(info.value)


def test_missing_kubeconfig_names_the_path(tmp_path):
    path = str(tmp_path / "nope" / "admin.conf")
    with pytest.raises(_kube.KubeError) as info:
        _kube.build_api_client(kubeconfig=path)
    assert path in str(info.value)
    assert "does not exist" in str(info.value)


def test_unloadable_kubeconfig_names_the_path(tmp_path):
    path = tmp_path / "admin.conf"
    path.write_text("apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n")
    with pytest.raises(_kube.KubeError) as info:
        _kube.build_api_client(kubeconfig=str(path), context="nope")
    assert "cannot load kubeconfig %s (context nope)" % path in str(info.value)


def _self_signed(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class _StatusHandler(BaseHTTPRequestHandler):
    """Answers like kube-apiserver does for a bootstrap token with few rights."""

    ANSWERS = {
        "/api/v1/nodes": (403, "Forbidden",
                          'nodes is forbidden: User "system:bootstrap:abcdef" cannot list resource "nodes" '
                          'in API group "" at the cluster scope'),
        "/api/v1/namespaces": (401, "Unauthorized", "Unauthorized"),
        "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef":
            (404, "NotFound", 'secrets "bootstrap-token-abcdef" not found'),
    }

    def do_GET(self):
        code, reason, message = self.ANSWERS.get(self.path.split("?")[0], (500, "InternalError", "unexpected"))
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": message, "reason": reason, "code": code}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("apiserver")
    cert, key = _self_signed("kube-apiserver")
    (directory / "server.crt").write_bytes(cert)
    (directory / "server.key").write_bytes(key)
    (directory / "other-ca.crt").write_bytes(_self_signed("other-ca")[0])
    httpd = HTTPServer(("127.0.0.1", 0), _StatusHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(directory / "server.crt"), str(directory / "server.key"))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d" % httpd.server_address[1], directory
    httpd.shutdown()
    httpd.server_close()


def test_wrong_ca_is_a_tls_failure(https_server):
    url, directory = https_server
    api = _kube.build_api_client(host=url, ca_cert=str(directory / "other-ca.crt"))
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_node, _request_timeout=5)
    assert str(info.value).startswith("TLS failure talking to %s" % url)
    assert "certificate verify failed" in str(info.value)
    assert info.value.status is None


def test_403_from_a_real_server(https_server):
    url, directory = https_server
    api = _kube.build_api_client(host=url, ca_cert=str(directory / "server.crt"), api_token="abcdef.0123456789abcdef")
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_node, _request_timeout=5)
    assert info.value.status == 403
    assert str(info.value).startswith("forbidden by the API server %s (403)" % url)
    assert 'cannot list resource "nodes"' in str(info.value)
    assert "0123456789abcdef" not in str(info.value)


def test_401_from_a_real_server(https_server):
    url, directory = https_server
    api = _kube.build_api_client(host=url, ca_cert=str(directory / "server.crt"), api_token="abcdef.0123456789abcdef")
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_namespace, _request_timeout=5)
    assert info.value.status == 401
    assert "rejected the credentials" in str(info.value)


def test_404_from_a_real_server_is_not_found(https_server):
    url, directory = https_server
    api = _kube.build_api_client(host=url, ca_cert=str(directory / "server.crt"))
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).read_namespaced_secret, "bootstrap-token-abcdef", "kube-system",
                   _request_timeout=5)
    assert _kube.is_not_found(info.value)
    assert 'secrets "bootstrap-token-abcdef" not found' in str(info.value)


def test_server_replaces_the_kubeconfig_server_and_keeps_its_ca_and_credentials(https_server, tmp_path):
    """kube_health's ``server``: one API server of several (or their load balancer), asked with the
    kubeconfig's CA and credentials."""
    url, directory = https_server
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "k", "cluster": {
            "server": "https://127.0.0.1:1", "certificate-authority": str(directory / "server.crt")}}],
        "users": [{"name": "u", "user": {"token": "abcdef.0123456789abcdef"}}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}))
    api = _kube.build_api_client(kubeconfig=str(kubeconfig), server=url + "/")
    assert _kube.server_of(api) == url
    with pytest.raises(_kube.KubeError) as info:
        _kube.call(api, k8s_client.CoreV1Api(api).list_node, _request_timeout=5)
    # the answer of the real server, verified with the kubeconfig's CA, to the kubeconfig's token
    assert info.value.status == 403, str(info.value)
    # without it, the kubeconfig's own (here unreachable) server
    plain = _kube.build_api_client(kubeconfig=str(kubeconfig))
    assert _kube.server_of(plain) == "https://127.0.0.1:1"
