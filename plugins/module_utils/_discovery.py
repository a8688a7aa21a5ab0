# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstrap-token discovery of the cluster CA, as named steps (the ``cluster_info`` module's core).

The protocol is kubeadm's (``cmd/kubeadm/app/discovery/token/token.go``,
``RetrieveValidatedConfigInfo``) and the Kubernetes documentation "kubeadm join: discovering
what cluster CA to trust":

1. :func:`fetch_signed` -- GET ``kube-public/cluster-info`` anonymously over TLS *without*
   verifying the server, until the bootstrapsigner has put the detached JWS
   ``jws-kubeconfig-<token-id>`` in it. The token itself is never sent.
2. :func:`verify_signature` -- the JWS (HS256, key = token-secret) must verify over the
   ConfigMap's ``kubeconfig``: only someone who knows the token could have signed it.
3. :func:`pin_ca` -- the CA certificates of that kubeconfig are checked against the pins
   ``sha256:<hex of the SubjectPublicKeyInfo>`` (RFC 7469); only pinned certificates are kept,
   so a bundle cannot smuggle an unpinned CA into the kubelet's trust (none pinned: refused).
4. :func:`confirm` -- GET cluster-info again, now verifying TLS (and the host name) with the
   pinned CA, and require the very same kubeconfig: the CA belongs to the server answering.

:func:`discover` runs the steps under one deadline: each fetch gets the time that is left, so
the whole discovery, slow servers included, never takes longer than ``timeout``.
:func:`https_fetch` is the real fetch (``https://`` only, a hard deadline per request, at
most :data:`MAX_RESPONSE_BYTES` read); tests pass their own ``fetch``.

No Ansible imports. Needs ``cryptography`` (pins) and PyJWT (JWS), see ``_pki`` and
``_bootstrap_token``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import http.client
import json
import re
import socket
import ssl

from urllib.parse import urlsplit

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.module_utils import _pki
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import Deadline, PollTimeout, poll

CLUSTER_INFO_PATH = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
#: The most a cluster-info answer may be (bytes); a real one is a few KiB.
MAX_RESPONSE_BYTES = 1024 * 1024
_PIN_RE = re.compile(r"\Asha256:[0-9a-f]{64}\Z")


class DiscoveryError(Exception):
    """Discovery failed; ``str()`` says why and what to check. Never contains the token-secret.

    ``details`` (dict) holds what a failed module reports besides the message, e.g. the
    ``ca_cert_hashes`` found when none is pinned.
    """

    def __init__(self, message, **details):
        super(DiscoveryError, self).__init__(message)
        self.details = details


class FetchError(DiscoveryError):
    """A GET of cluster-info failed; ``status`` is the HTTP status, or ``None`` when no answer came."""

    def __init__(self, message, status=None):
        super(FetchError, self).__init__(message)
        self.status = status


def missing_libraries():
    """The Python libraries discovery needs that this host lacks (list of str, empty when none):
    ``cryptography`` (pins), ``PyJWT`` (the JWS), ``PyYAML`` (the kubeconfig in cluster-info)."""
    have = (("cryptography", _pki.HAS_CRYPTOGRAPHY), ("PyJWT", bt.HAS_PYJWT), ("PyYAML", kc.HAS_YAML))
    return [name for name, present in have if not present]


def parse_api_server(api_server):
    """``(host, port, base_path)`` of an ``https://host[:port][/path]`` URL (port default 443).

    Raises :class:`DiscoveryError` for any other scheme: discovery over plain HTTP would
    let anyone on the way swap the CA, and the API server never speaks it anyway.
    """
    parts = urlsplit(str(api_server).strip())
    if parts.scheme.lower() != "https":
        raise DiscoveryError("api_server %r must be an https:// URL (kube-apiserver serves TLS only; "
                             "discovery over plain http is refused)" % (api_server,))
    try:
        port = parts.port or 443
    except ValueError:
        raise DiscoveryError("api_server %r has an invalid port" % (api_server,))
    if not parts.hostname:
        raise DiscoveryError("api_server %r has no host" % (api_server,))
    return parts.hostname, port, parts.path.rstrip("/")


def normalize_pins(pins):
    """Pins as lower-case ``sha256:<64 hex>`` strings (list); raises :class:`DiscoveryError` on a bad one."""
    out = []
    for pin in pins or []:
        text = str(pin).strip().lower()
        if not _PIN_RE.match(text):
            raise DiscoveryError("invalid CA cert hash %r: expected sha256:<64 hex digits>" % (text,))
        out.append(text)
    return out


def https_fetch(api_server, timeout, ca_pem=None, max_bytes=MAX_RESPONSE_BYTES):
    """GET cluster-info from ``api_server``; return the ConfigMap's ``data`` (dict of str).

    :param api_server: ``https://host:port`` (see :func:`parse_api_server`).
    :param timeout: seconds the whole request may take, from the connect to the last byte: each
        read of the answer waits only for what is left (TCP connect and TLS handshake have
        ``timeout`` per step).
    :param ca_pem: PEM CA certificate(s) to verify the server with (host name checked too);
        ``None`` verifies nothing (step 1 of discovery, before the CA is known).
    :param max_bytes: refuse an answer longer than this (at most ``max_bytes + 1`` are read).
    :raises FetchError: connection, TLS, timeout, HTTP status other than 200 (``status`` set),
        an answer too large or not a JSON ConfigMap.
    """
    host, port, base = parse_api_server(api_server)
    if ca_pem is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cadata=ca_pem.decode("ascii") if isinstance(ca_pem, bytes) else ca_pem)
    deadline = Deadline(timeout)
    context.sslsocket_class = type("DeadlineSSLSocket", (_DeadlineSSLSocket,), dict(deadline=deadline))
    conn = http.client.HTTPSConnection(host, port, timeout=max(timeout, 0.001), context=context)
    try:
        conn.request("GET", base + CLUSTER_INFO_PATH,
                     headers={"Accept": "application/json", "User-Agent": "hardway.nodejoin-discovery"})
        response = conn.getresponse()
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError("the answer of %s is %s bytes, more than the %d a cluster-info may be; refusing it"
                             % (api_server, length, max_bytes))
        body = response.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise FetchError("the answer of %s is larger than the %d bytes a cluster-info may be; refusing it"
                             % (api_server, max_bytes))
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if deadline.expired() or isinstance(exc, socket.timeout):
            raise FetchError("%s gave no complete answer within %.1f s" % (api_server, timeout))
        raise FetchError("cannot fetch cluster-info from %s: %s" % (api_server, _describe(exc)))
    finally:
        conn.close()
    if response.status != 200:
        raise FetchError("GET cluster-info from %s answered HTTP %s %s" % (api_server, response.status, response.reason),
                         status=response.status)
    try:
        return json.loads(body.decode("utf-8")).get("data") or {}
    except (ValueError, AttributeError) as exc:
        raise FetchError("the answer of %s is not a JSON ConfigMap: %s" % (api_server, exc))


class _DeadlineSSLSocket(ssl.SSLSocket):
    """A TLS socket each of whose reads waits at most until the class's ``deadline`` (a
    :class:`_poll.Deadline`): a server that trickles its answer byte by byte cannot hold a
    fetch past it (a per-read timeout alone would restart with every byte)."""

    deadline = None

    def _arm(self):
        left = self.deadline.remaining()
        if left <= 0:
            raise socket.timeout("the deadline has passed")
        self.settimeout(left)

    def recv_into(self, buffer, nbytes=0, flags=0):
        self._arm()
        return super(_DeadlineSSLSocket, self).recv_into(buffer, nbytes, flags)

    def recv(self, buflen=1024, flags=0):
        self._arm()
        return super(_DeadlineSSLSocket, self).recv(buflen, flags)


def _describe(exc):
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ("TLS verification with the discovered CA failed (%s): the server's certificate is not signed by "
                "the pinned CA or does not name this address" % text)
    return text


def describe_fetch_error(exc):
    """What the first, unverified fetch's failure means for discovery (str)."""
    if isinstance(exc, FetchError) and exc.status in (401, 403):
        return ("the API server refused an anonymous read of kube-public/cluster-info (HTTP %s): discovery needs "
                "kube-apiserver --anonymous-auth=true and the Role/RoleBinding kubeadm:bootstrap-signer-clusterinfo; "
                "or deliver the CA another way" % exc.status)
    return str(exc)


def fetch_signed(fetch, api_server, token_id, deadline, interval, sleep=None):
    """Step 1: cluster-info (dict) once it holds the JWS for ``token_id``.

    Fetches without TLS verification (``fetch(api_server, timeout=<time left>, ca_pem=None)``)
    every ``interval`` seconds until ``deadline`` (a :class:`_poll.Deadline`); failures are
    retried (the API server may be restarting). Raises :class:`DiscoveryError` with the last
    failure when the time is up.
    """
    jws_key = bt.JWS_KEY_PREFIX + token_id

    def attempt(remaining):
        try:
            data = fetch(api_server, timeout=remaining, ca_pem=None)
        except FetchError as exc:
            return False, describe_fetch_error(exc)
        if jws_key in data:
            return True, data
        return False, ("cluster-info has no JWS signature for token-id %s: the token is unknown, expired, lacks "
                       "the signing usage, or kube-controller-manager does not run the bootstrapsigner "
                       "(--controllers=*,bootstrapsigner,tokencleaner)" % token_id)

    try:
        return poll(attempt, deadline.remaining(), interval, clock=deadline.clock, sleep=sleep).state
    except PollTimeout as exc:
        raise DiscoveryError("after %ds: %s" % (round(deadline.elapsed()), exc.state))


def verify_signature(data, token_id, token_secret):
    """Step 2: the ``kubeconfig`` of cluster-info ``data`` (str) once its JWS verifies with the token.

    Raises :class:`DiscoveryError` when there is no kubeconfig or no JWS for ``token_id``, or the
    signature does not verify (``k8s.io/cluster-bootstrap/token/jws.DetachedTokenIsValid``).
    """
    content = data.get("kubeconfig")
    if not content:
        raise DiscoveryError("cluster-info has no kubeconfig key: this API server is not set up for token discovery")
    if not bt.verify_detached_jws(data.get(bt.JWS_KEY_PREFIX + token_id), content, token_id, token_secret):
        raise DiscoveryError("the JWS signature of cluster-info does not verify with this token: "
                             "cannot trust this API server")
    return content


def cluster_of(content):
    """``(server, ca_pem bytes)`` of the one cluster in cluster-info's kubeconfig ``content`` (str).

    Raises :class:`DiscoveryError` when it is not a kubeconfig with exactly one cluster that has
    ``certificate-authority-data``.
    """
    try:
        clusters = (kc.loads(content) or {}).get("clusters") or []
        if len(clusters) != 1:
            raise kc.KubeconfigError("expected exactly one cluster, found %d" % len(clusters))
        cluster = clusters[0].get("cluster") or {}
        data = cluster.get("certificate-authority-data")
        if not data:
            raise kc.KubeconfigError("no certificate-authority-data")
        return cluster.get("server"), base64.b64decode(data)
    except (kc.KubeconfigError, ValueError, TypeError, AttributeError) as exc:
        raise DiscoveryError("malformed kubeconfig in cluster-info: %s" % exc)


def pin_ca(ca_pem, pins, unsafe_skip_ca_verification=False):
    """Step 3: ``(pem, kept_hashes, all_hashes)`` of the pinned CA certificates in ``ca_pem``.

    ``pem`` (str) holds only the certificates whose hash is in ``pins`` (see
    ``_pki.select_pinned``); with no pins, only when ``unsafe_skip_ca_verification`` is set, all
    of them. Raises :class:`DiscoveryError` when none is pinned, or no pin is given without
    ``unsafe_skip_ca_verification``.
    """
    if not pins and not unsafe_skip_ca_verification:
        raise DiscoveryError("give ca_cert_hashes to pin the cluster CA (hardway.nodejoin.ca_cert_hash on the control "
                             "plane prints it), or set unsafe_skip_ca_verification=true explicitly")
    try:
        found = _pki.ca_cert_hashes(ca_pem)
    except _pki.PKIError as exc:
        raise DiscoveryError("malformed kubeconfig in cluster-info: %s" % exc)
    if pins and not set(found) & set(pins):
        raise DiscoveryError("the CA in cluster-info (%s) matches none of the pinned ca_cert_hashes; refusing it"
                             % ", ".join(found), ca_cert_hashes=found)
    return _pki.select_pinned(ca_pem, pins)


def confirm(fetch, api_server, ca_pem, content, deadline):
    """Step 4: fetch cluster-info again verifying TLS with ``ca_pem``; its kubeconfig must be ``content``.

    Raises :class:`DiscoveryError` when the fetch fails (the CA does not belong to this server)
    or the kubeconfig differs, or no time is left.
    """
    if deadline.expired():
        raise DiscoveryError("no time left for the second, verified fetch of cluster-info")
    try:
        secure = fetch(api_server, timeout=deadline.remaining(), ca_pem=ca_pem)
    except FetchError as exc:
        raise DiscoveryError("second fetch of cluster-info with the discovered CA failed, so the CA does not "
                             "belong to the server at %s: %s" % (api_server, exc))
    if secure.get("kubeconfig") != content:
        raise DiscoveryError("the kubeconfig in cluster-info differed between the unverified and the verified fetch")


def discover(api_server, token, pins, timeout, interval=1.0, unsafe_skip_ca_verification=False,
             fetch=https_fetch, clock=None, sleep=None):
    """Run the discovery steps under one deadline of ``timeout`` seconds.

    :param api_server: ``https://host:port`` of the API server.
    :param token: the bootstrap token ``<token-id>.<token-secret>``.
    :param pins: CA cert hashes ``sha256:<hex>`` (list; may be empty only with
        ``unsafe_skip_ca_verification``).
    :param fetch: ``fetch(api_server, timeout, ca_pem)`` -> cluster-info ``data`` (dict),
        raising :class:`FetchError` (default :func:`https_fetch`).
    :returns: dict ``ca_cert`` (str, PEM of the pinned certificates only), ``ca_cert_hashes``
        (their hashes), ``found_hashes`` (hashes of every certificate in cluster-info),
        ``server`` (the URL cluster-info announces), ``token_id``.
    :raises DiscoveryError: with a message that never holds the token-secret; parse errors of
        the token as ``bootstrap_token.BootstrapTokenError`` (a ``ValueError``), mapped here.
    """
    deadline = Deadline(timeout, clock)
    parse_api_server(api_server)
    pins = normalize_pins(pins)
    if not pins and not unsafe_skip_ca_verification:
        pin_ca(b"", pins)  # raises the message that says how to pin, before any request
    try:
        token_id, token_secret = bt.parse_token(token)
    except bt.BootstrapTokenError as exc:
        raise DiscoveryError(str(exc))
    data = fetch_signed(fetch, api_server, token_id, deadline, interval, sleep=sleep)
    content = verify_signature(data, token_id, token_secret)
    server, ca_pem = cluster_of(content)
    pem, kept, found = pin_ca(ca_pem, pins, unsafe_skip_ca_verification)
    confirm(fetch, api_server, pem, content, deadline)
    return dict(ca_cert=pem, ca_cert_hashes=kept, found_hashes=found, server=server, token_id=token_id)
