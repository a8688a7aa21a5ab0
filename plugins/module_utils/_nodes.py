# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Node and its bootstrap CSR say about a join (node_join_wait's decisions), as pure
functions over the API's JSON (``ApiClient.sanitize_for_serialization`` of a ``V1Node`` or
``V1CertificateSigningRequest``: camelCase keys, timestamps as RFC 3339 strings).

Sources: the Kubernetes documentation "TLS bootstrapping" (the kubelet's CSR: signer
``kubernetes.io/kube-apiserver-client-kubelet``, user ``system:bootstrap:<token-id>``,
subject CN ``system:node:<node-name>``) and "Certificate Signing Requests" (conditions
Approved, Denied, Failed; ``status.certificate`` once issued), and ``kubectl get csr``'s
CONDITION column (``printers.go``: the condition types joined by ``,`` then ``Issued``, or
``Pending``). No Ansible imports; ``cryptography`` only to read a CSR's subject.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

#: Signer of the kubelet's client certificate CSR.
KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
#: Username prefix of a bootstrap token's identity.
BOOTSTRAP_USER_PREFIX = "system:bootstrap:"
#: The condition a finished bootstrap CSR shows.
DONE = "Approved,Issued"


def parse_time(text):
    """An RFC 3339 UTC string (``2026-11-29T10:00:00Z``, fractions allowed) as an aware
    ``datetime``; ``None`` for ``None``, an empty string or anything else unparsable."""
    if not text or not isinstance(text, str):
        return None
    value = text.strip().replace("Z", "+00:00")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.datetime.strptime(value.replace("+00:00", "+0000"), fmt)
        except ValueError:
            continue
    return None


def _get(obj, *keys):
    for key in keys:
        obj = (obj or {}).get(key)
    return obj


def csr_common_name(request):
    """The subject CN (str) of a PEM CSR (``bytes``, or its base64 as the API gives it), or
    ``None`` when it is no CSR or has no CN."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    if isinstance(request, str):
        try:
            request = base64.b64decode(request)
        except (ValueError, TypeError):
            return None
    try:
        csr = x509.load_pem_x509_csr(request)
    except (ValueError, TypeError):
        return None
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else None


def csr_condition(csr):
    """``Approved,Issued``-style summary of a CSR's status (str), as ``kubectl get csr`` prints it:
    the Approved/Denied/Failed conditions in order (else ``Pending``), then ``Issued`` once
    ``status.certificate`` is set."""
    status = csr.get("status") or {}
    types = [c.get("type") for c in status.get("conditions") or []]
    parts = [t for t in types if t in ("Approved", "Denied", "Failed")] or ["Pending"]
    if status.get("certificate"):
        parts.append("Issued")
    return ",".join(parts)


def find_bootstrap_csr(csrs, node_name, token_id=None):
    """The newest CSR (dict) in ``csrs`` that is the kubelet bootstrap CSR of ``node_name``, or ``None``.

    It must be for the kubelet client signer, requested by a bootstrap token
    (``system:bootstrap:<token-id>``; by ``token_id`` when given) and ask for the subject CN
    ``system:node:<node_name>``. Newest by ``metadata.creationTimestamp`` (RFC 3339 UTC strings
    from the API compare in time order).
    """
    wanted_user = BOOTSTRAP_USER_PREFIX + token_id if token_id else None
    found = None
    for csr in csrs or []:
        spec = csr.get("spec") or {}
        username = spec.get("username") or ""
        if spec.get("signerName") != KUBELET_CLIENT_SIGNER or not username.startswith(BOOTSTRAP_USER_PREFIX):
            continue
        if wanted_user and username != wanted_user:
            continue
        if csr_common_name(spec.get("request") or b"") != "system:node:%s" % node_name:
            continue
        created = _get(csr, "metadata", "creationTimestamp") or ""
        if found is None or created > (_get(found, "metadata", "creationTimestamp") or ""):
            found = csr
    return found


def csr_summary(csr):
    """What node_join_wait returns of a CSR: dict ``name``, ``username``, ``condition``,
    ``signer_name``, ``created`` (``metadata.creationTimestamp``) and ``approved`` (the
    ``lastUpdateTime``, else ``lastTransitionTime``, of its Approved condition, or ``None``), both
    RFC 3339 UTC strings as the API gives them; ``None`` for ``None``."""
    if csr is None:
        return None
    spec = csr.get("spec") or {}
    approved = next((c for c in _get(csr, "status", "conditions") or [] if c.get("type") == "Approved"), None)
    return dict(name=_get(csr, "metadata", "name"), username=spec.get("username"),
                condition=csr_condition(csr), signer_name=spec.get("signerName"),
                created=_get(csr, "metadata", "creationTimestamp"),
                approved=(approved.get("lastUpdateTime") or approved.get("lastTransitionTime")) if approved else None)


def node_summary(node):
    """What node_join_wait returns of a Node: dict ``name``, ``ready`` (``True``, ``False`` or
    ``Unknown``: the Ready condition's status, ``Unknown`` without one), ``ready_reason``,
    ``ready_message``, ``kubelet_version``, ``internal_ip``, ``registered`` (its
    ``metadata.creationTimestamp``) and ``ready_since`` (the Ready condition's
    ``lastTransitionTime``, whatever its status; ``None`` without one), RFC 3339 UTC strings;
    ``None`` for ``None``."""
    if node is None:
        return None
    status = node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    internal = next((a.get("address") for a in status.get("addresses") or [] if a.get("type") == "InternalIP"),
                    None)
    return dict(
        name=_get(node, "metadata", "name"),
        ready=ready.get("status") if ready else "Unknown",
        ready_reason=ready.get("reason") if ready else None,
        ready_message=ready.get("message") if ready else None,
        kubelet_version=_get(status, "nodeInfo", "kubeletVersion"),
        internal_ip=internal,
        registered=_get(node, "metadata", "creationTimestamp"),
        ready_since=ready.get("lastTransitionTime") if ready else None,
    )


def csr_failure(csr_info, node_name):
    """The message (str) when the CSR summary says the join cannot finish (Denied or Failed),
    else ``None``."""
    if csr_info is None or not ("Denied" in csr_info["condition"] or "Failed" in csr_info["condition"]):
        return None
    return ("CSR %s of %s was %s: the node cannot get its client certificate; see 'kubectl describe csr %s'"
            % (csr_info["name"], node_name, csr_info["condition"], csr_info["name"]))


def joined(node_info, csr_info, require_csr=True, wait_for_ready=False):
    """True when the wait is over: the Node exists, its CSR is ``Approved,Issued`` (unless
    ``require_csr`` is false) and it is Ready (only with ``wait_for_ready``)."""
    if node_info is None:
        return False
    if require_csr and (csr_info is None or csr_info["condition"] != DONE):
        return False
    return node_info["ready"] == "True" or not wait_for_ready


def missing(node_info, csr_info, node_name, token_id=None, require_csr=True, wait_for_ready=False):
    """What keeps :func:`joined` false, one str per missing piece, each saying what to do."""
    out = []
    if node_info is None:
        out.append("Node %s is not registered" % node_name)
    if require_csr and (csr_info is None or csr_info["condition"] != DONE):
        if csr_info is None:
            out.append("no bootstrap CSR for system:node:%s%s" % (
                node_name, " from %s%s" % (BOOTSTRAP_USER_PREFIX, token_id) if token_id else ""))
        else:
            out.append("CSR %s is %s (auto-approval needs the nodeclient ClusterRoleBinding; approve by hand "
                       "with 'kubectl certificate approve %s')"
                       % (csr_info["name"], csr_info["condition"], csr_info["name"]))
    if wait_for_ready and node_info is not None and node_info["ready"] != "True":
        out.append("Node is not Ready: %s" % (node_info["ready_message"] or node_info["ready_reason"]))
    return out


#: Signers of the certificates a kubelet asks for (client, and serving when it rotates them).
KUBELET_SIGNERS = (KUBELET_CLIENT_SIGNER, "kubernetes.io/kubelet-serving")


def node_csrs(csrs, node_name):
    """The names (sorted list of str) of the CSRs in ``csrs`` that are ``node_name``'s kubelet's:
    for a kubelet signer (:data:`KUBELET_SIGNERS`) and either requested as the node
    (``system:node:<node_name>``: renewals, serving certificates) or asking for the subject CN
    ``system:node:<node_name>`` (the bootstrap CSRs, requested as ``system:bootstrap:<token-id>``).
    What ``kubectl get csr`` shows for a node, and what a removed or replaced node leaves behind.
    """
    identity = "system:node:%s" % node_name
    names = []
    for csr in csrs or []:
        spec = csr.get("spec") or {}
        if spec.get("signerName") not in KUBELET_SIGNERS:
            continue
        if spec.get("username") == identity or csr_common_name(spec.get("request") or b"") == identity:
            names.append(_get(csr, "metadata", "name"))
    return sorted(n for n in names if n)
