# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does each kubelet serve a certificate the API server would accept with
``--kubelet-certificate-authority``? The address kube-apiserver dials, and the TLS check it makes.

kube-apiserver reaches a kubelet (``kubectl logs/exec/port-forward``, node proxy) at the first
address of the Node's ``status.addresses`` whose type comes first in
``--kubelet-preferred-address-types`` (default ``Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP``)
and the port ``status.daemonEndpoints.kubeletEndpoint.Port`` (k8s.io/kubernetes
``pkg/util/node.GetPreferredNodeAddress``, ``pkg/kubelet/client``); with
``--kubelet-certificate-authority`` it verifies the kubelet's certificate against that CA and that
address (Go's ``crypto/tls`` hostname check: DNS SAN for a name, IP SAN for an IP). Without a
serving certificate from the cluster CA (``serverTLSBootstrap``) a kubelet serves a self-signed
one, and every such request to it fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl

#: kube-apiserver's default --kubelet-preferred-address-types.
DEFAULT_PREFERRED_ADDRESS_TYPES = ("Hostname", "InternalDNS", "InternalIP", "ExternalDNS", "ExternalIP")
#: The kubelet's default port, when the Node reports none.
DEFAULT_KUBELET_PORT = 10250


def preferred_address_types(running_flags):
    """The address types (tuple of str) from kube-apiserver's running flags (dict of flag -> value
    as ``systemd_unit_info`` returns them), or the default."""
    value = (running_flags or {}).get("--kubelet-preferred-address-types")
    if not value:
        return DEFAULT_PREFERRED_ADDRESS_TYPES
    return tuple(t.strip() for t in str(value).split(",") if t.strip())


def kubelet_endpoint(node, address_types=DEFAULT_PREFERRED_ADDRESS_TYPES):
    """``(address, port)`` kube-apiserver uses for a Node (API JSON dict), or ``(None, port)`` when
    it has no address of those types (``GetPreferredNodeAddress`` then fails too)."""
    status = (node or {}).get("status") or {}
    port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or DEFAULT_KUBELET_PORT
    addresses = status.get("addresses") or []
    for kind in address_types:
        for entry in addresses:
            if entry.get("type") == kind and entry.get("address"):
                return entry["address"], int(port)
    return None, int(port)


def verify_kubelet(address, port, ca_file, timeout=10.0):
    """Open a TLS connection to ``address:port``, verifying the certificate against ``ca_file``
    and ``address`` as kube-apiserver does. Returns ``None`` when it verifies, else why not (str).

    No client certificate is sent: the kubelet asks for one but does not require it in the
    handshake (its x509 authentication is checked per request).
    """
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=address):
                return None
    except ssl.SSLCertVerificationError as exc:
        return "its certificate does not verify against %s for %s: %s" % (
            ca_file, address, getattr(exc, "verify_message", None) or exc)
    except (ssl.SSLError, OSError) as exc:
        return "no TLS connection to %s:%s: %s" % (address, port, exc)


def unverified(results):
    """The names (sorted list) of the nodes whose entry in ``results`` (node name -> ``None`` or
    a reason) is not ``None``."""
    return sorted(name for name, why in (results or {}).items() if why is not None)
