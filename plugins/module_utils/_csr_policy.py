# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a kubelet serving CSR may be approved: a pure decision, no API calls, no Ansible.

kube-controller-manager signs ``kubernetes.io/kubelet-serving`` CSRs but never approves them:
only something that knows which names and addresses belong to which node can (Kubernetes
documentation "Certificate Signing Requests", signer ``kubernetes.io/kubelet-serving``;
"TLS bootstrapping", "Certificate rotation": "the kubelet serving certificate ... approval
... is not done by the built-in approver"). This module is that knowledge: the inventory says
which workers exist and their addresses; the Node's ``status.addresses`` add what the
kubelet reported, but an address another node owns is never granted (a kubelet can write its
own Node status, so a node could claim a neighbour's IP there).

The shape checks follow ``ValidateKubeletServingCSR`` of k8s.io/kubernetes
``pkg/apis/certificates/helpers.go`` (subject O exactly ``system:nodes``, CN
``system:node:<name>``, at least one DNS or IP SAN, no email or URI SAN, usages exactly
{digital signature, server auth} or, for an RSA key, also key encipherment), made stricter:
the CN must be the requester's own name, the requester must be the node identity
(``system:node:<n>`` in group ``system:nodes``, the node authorizer's "NodeIdentifier"),
``<n>`` a worker of the inventory, every SAN that node's, and ``expirationSeconds`` (when
set) at most a cap.

Only ``cryptography`` (x509 CSR parsing) and the standard library are imported, so the
approver the control plane's systemd timer runs can import this file as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ipaddress
import re

#: Signer of kubelet serving certificates.
KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving"
#: Username prefix and group of a node's identity (the node authorizer's NodeIdentifier).
NODE_USER_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
#: The usages a kubelet serving certificate may have (ValidateKubeletServingCSR): with an
#: RSA key, key encipherment is allowed beside the two others; with any other key it is not.
USAGES_NO_RSA = frozenset(["digital signature", "server auth"])
USAGES_RSA = frozenset(["digital signature", "key encipherment", "server auth"])
#: Default cap of ``spec.expirationSeconds``: one year, kube-controller-manager's default
#: --cluster-signing-duration (8760h).
DEFAULT_MAX_EXPIRATION_SECONDS = 365 * 24 * 3600
#: Smallest RSA key accepted (bits), as the Kubernetes PKI requirements (2048).
MIN_RSA_BITS = 2048

# RFC 1123 subdomain, as Kubernetes' IsDNS1123Subdomain (a node name)
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def node_of_username(username):
    """The node name of a node identity ``system:node:<name>`` (str), or ``None`` when
    ``username`` is no node identity or the name is no RFC 1123 subdomain (at most 253
    characters), as the node authorizer's NodeIdentifier and k0s' approver read it."""
    if not username or not username.startswith(NODE_USER_PREFIX):
        return None
    name = username[len(NODE_USER_PREFIX):]
    if not name or len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return None
    return name


def parse_request(request):
    """Parse the ``spec.request`` of a CSR: PEM bytes or str, or the base64 of the PEM as the
    API's JSON carries it. Returns a ``cryptography.x509.CertificateSigningRequest``.

    Raises ``ValueError`` naming the problem (not a PEM CSR, trailing data, bad signature).
    """
    from cryptography import x509

    if isinstance(request, str):
        request = request.encode("ascii", "replace")
    data = request.strip()
    if not data.startswith(b"-----BEGIN"):
        try:
            data = base64.b64decode(data, validate=True).strip()
        except (ValueError, TypeError):
            raise ValueError("spec.request is neither PEM nor base64 of PEM")
    begin, end = b"-----BEGIN CERTIFICATE REQUEST-----", b"-----END CERTIFICATE REQUEST-----"
    if not data.startswith(begin) or data.count(begin) != 1 or not data.endswith(end):
        raise ValueError("spec.request must be exactly one PEM block of type CERTIFICATE REQUEST")
    csr = x509.load_pem_x509_csr(data)
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature does not match its public key")
    return csr


def request_facts(csr):
    """What the decision needs from a parsed CSR (``cryptography`` object) as plain data:

    ``{"common_names": [str], "organizations": [str], "dns": [str], "ips": [str],
    "emails": [str], "uris": [str], "other_sans": int, "key_type": "rsa"|"ec"|"ed25519"|...,
    "key_size": int|None}``. ``other_sans`` counts SAN kinds other than DNS, IP, email, URI
    (directory names, registered IDs, other names). Raises ``ValueError`` on a malformed
    subjectAltName extension.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from cryptography.x509.oid import NameOID

    facts = dict(common_names=[a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)],
                 organizations=[a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)],
                 dns=[], ips=[], emails=[], uris=[], other_sans=0)
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        facts["dns"] = san.get_values_for_type(x509.DNSName)
        facts["ips"] = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        facts["emails"] = san.get_values_for_type(x509.RFC822Name)
        facts["uris"] = san.get_values_for_type(x509.UniformResourceIdentifier)
        known = len(facts["dns"]) + len(facts["ips"]) + len(facts["emails"]) + len(facts["uris"])
        facts["other_sans"] = len(list(san)) - known
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        facts["key_type"], facts["key_size"] = "rsa", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        facts["key_type"], facts["key_size"] = "ec", key.curve.key_size
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        facts["key_type"], facts["key_size"] = "ed25519" if isinstance(key, ed25519.Ed25519PublicKey) else "ed448", None
    else:
        facts["key_type"], facts["key_size"] = type(key).__name__, None
    return facts


def split_addresses(values):
    """Split names and addresses (iterable of str: IPv4/IPv6 addresses or DNS names, any case)
    into ``(ips, names)``: two sets, IPs in their canonical text (``ipaddress``), names lower
    case without a trailing dot. Empty values are dropped."""
    ips, names = set(), set()
    for value in values or []:
        value = str(value or "").strip()
        if not value:
            continue
        try:
            ips.add(str(ipaddress.ip_address(value)))
        except ValueError:
            names.add(value.lower().rstrip("."))
    return ips, names


def node_status_addresses(node):
    """The ``status.addresses`` of a Node (API JSON dict, or ``None``) as a list of str."""
    return [a.get("address") for a in (((node or {}).get("status") or {}).get("addresses") or []) if a.get("address")]


def decide(spec, facts, inventory, other_nodes_addresses=(), status_addresses=(),
           max_expiration_seconds=DEFAULT_MAX_EXPIRATION_SECONDS):
    """Decide a kubelet serving CSR: ``(approve, reason)`` (bool, str; the reason says what
    matched or the first thing that did not, in words fit for the CSR's condition message).

    :param spec: the CSR's ``spec`` (API JSON: ``signerName``, ``username``, ``groups``,
        ``usages``, ``expirationSeconds`` or absent).
    :param facts: :func:`request_facts` of its request, or a str: why the request could not
        be parsed (then the CSR is denied with it).
    :param inventory: node name -> list of the names and addresses the inventory gives that
        worker (IPs or DNS names). A requester whose node is not a key is denied.
    :param other_nodes_addresses: names and addresses of every *other* node (inventory and
        Node status): never granted to this one even if its own Node status claims them.
    :param status_addresses: the requester's Node ``status.addresses`` (list of str), empty
        when the Node does not exist.
    :param max_expiration_seconds: the largest ``spec.expirationSeconds`` approved (int);
        a CSR without it gets the signer's duration (--cluster-signing-duration).
    """
    spec = spec or {}
    signer = spec.get("signerName")
    if signer != KUBELET_SERVING_SIGNER:
        return False, "signer %s is not %s" % (signer, KUBELET_SERVING_SIGNER)
    username = spec.get("username") or ""
    node = node_of_username(username)
    if node is None:
        return False, "requester %r is not a node identity system:node:<node name>" % username
    if NODES_GROUP not in (spec.get("groups") or []):
        return False, "requester %s is not in group %s" % (username, NODES_GROUP)
    if node not in (inventory or {}):
        return False, "node %s is not a worker of the inventory" % node
    if isinstance(facts, str):
        return False, "the request cannot be read: %s" % facts
    if facts["organizations"] != [NODES_GROUP]:
        return False, "subject O must be exactly [%s], is %s" % (NODES_GROUP, facts["organizations"])
    if facts["common_names"] != [username]:
        return False, "subject CN must be the requester %s, is %s" % (username, facts["common_names"] or "missing")
    key_type, key_size = facts.get("key_type"), facts.get("key_size")
    if key_type == "rsa" and (key_size or 0) < MIN_RSA_BITS:
        return False, "RSA key of %s bits (at least %d)" % (key_size, MIN_RSA_BITS)
    if key_type not in ("rsa", "ec", "ed25519"):
        return False, "key type %s is not RSA, ECDSA or Ed25519" % key_type
    usages = set(spec.get("usages") or [])
    allowed = [USAGES_NO_RSA] + ([USAGES_RSA] if key_type == "rsa" else [])
    if usages not in allowed:
        return False, "usages %s are not exactly %s" % (
            sorted(usages), " or ".join(str(sorted(a)) for a in allowed))
    if facts["emails"]:
        return False, "email SANs are not allowed: %s" % ", ".join(facts["emails"])
    if facts["uris"]:
        return False, "URI SANs are not allowed: %s" % ", ".join(facts["uris"])
    if facts["other_sans"]:
        return False, "only DNS and IP SANs are allowed (%d of another kind)" % facts["other_sans"]
    if not facts["dns"] and not facts["ips"]:
        return False, "no DNS or IP SAN"
    expiration = spec.get("expirationSeconds")
    if expiration is not None and int(expiration) > int(max_expiration_seconds):
        return False, "expirationSeconds %s is above the cap %s" % (expiration, max_expiration_seconds)

    inv_ips, inv_names = split_addresses(list(inventory[node] or []) + [node])
    st_ips, st_names = split_addresses(status_addresses)
    other_ips, other_names = split_addresses(other_nodes_addresses)
    owned_ips = inv_ips | (st_ips - other_ips)
    owned_names = inv_names | (st_names - other_names)
    for ip in facts["ips"]:
        canonical = str(ipaddress.ip_address(ip))
        if canonical not in owned_ips:
            owner = " (another node's address)" if canonical in other_ips else ""
            return False, "IP SAN %s is not an address of node %s%s" % (ip, node, owner)
    for name in facts["dns"]:
        if name.lower().rstrip(".") not in owned_names:
            return False, "DNS SAN %s is not a name of node %s" % (name, node)
    return True, ("serving certificate of inventory worker %s for %s" % (
        node, ", ".join(list(facts["dns"]) + list(facts["ips"]))))
