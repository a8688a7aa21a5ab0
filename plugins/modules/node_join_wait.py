#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_join_wait
short_description: Wait until a kubelet's TLS bootstrap is done and its Node is registered
version_added: 0.1.0
description:
  - Polls the API server until the Node O(node_name) exists and the kubelet's client CSR (signer
    C(kubernetes.io/kube-apiserver-client-kubelet), requested by C(system:bootstrap:<token_id>) for
    C(CN=system:node:<node_name>)) is Approved and Issued, as C(kubectl wait --for=create node) and
    C(kubectl get csr) do in the lesson.
  - Reports the Node's C(Ready) condition with its reason and message (for example
    C(cni plugin not initialized)). With O(wait_for_ready=true) it also waits for C(Ready=True).
  - Fails at once when the CSR is Denied or Failed, and on timeout says what was missing.
  - Only reads; never changes anything.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes and cryptography (Python libraries) on the host that runs the module
seealso:
  - module: hardway.nodejoin.bootstrap_token
  - module: hardway.nodejoin.pod_wait
  - link: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
    name: TLS bootstrapping
    description: The kubelet's bootstrap CSR and its approval, which this module waits for.
options:
  node_name:
    description: Name of the Node (the worker's hostname unless the kubelet overrides it).
    type: str
    required: true
  token_id:
    description:
      - token-id of the bootstrap token the kubelet used; the CSR must come from
        C(system:bootstrap:<token_id>). When unset, any requester is accepted.
    type: str
  require_csr:
    description:
      - Wait for the bootstrap CSR. Set V(false) for a node that joined long ago (the CSR cleaner
        deletes issued CSRs after an hour).
    type: bool
    default: true
  wait_for_ready:
    description: Also wait until the Node is C(Ready=True).
    type: bool
    default: false
  timeout:
    description: Seconds to wait in all.
    type: int
    default: 120
  poll_interval:
    description: Seconds between polls.
    type: float
    default: 0.5
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
"""

EXAMPLES = r"""
- name: Wait for worker1 to register and its CSR to be issued
  hardway.nodejoin.node_join_wait:
    node_name: worker1
    token_id: "{{ join_token.token_id }}"
    timeout: 120
  delegate_to: "{{ groups['control_plane'][0] }}"
"""

RETURN = r"""
node:
  description: The Node as registered.
  returned: always
  type: dict
  contains:
    name:
      description: Node name.
      type: str
      sample: worker1
    ready:
      description: Status of the Ready condition (C(True), C(False), C(Unknown)).
      type: str
      sample: "True"
    ready_reason:
      description: Reason of the Ready condition, e.g. C(KubeletNotReady).
      type: str
      sample: KubeletReady
    ready_message:
      description: Message of the Ready condition, e.g. C(container runtime network not ready ...).
      type: str
      sample: kubelet is posting ready status
    kubelet_version:
      description: Version the kubelet reports.
      type: str
      sample: v1.36.3
    internal_ip:
      description: InternalIP address of the Node.
      type: str
      sample: 10.77.0.11
csr:
  description: The bootstrap CSR, or null when none was found and O(require_csr=false).
  returned: always
  type: dict
  contains:
    name:
      description: CSR name.
      type: str
      sample: csr-8vq5d
    username:
      description: Requesting user, C(system:bootstrap:<token-id>).
      type: str
      sample: system:bootstrap:abcdef
    condition:
      description: C(Approved,Issued) when done.
      type: str
      sample: Approved,Issued
    signer_name:
      description: Signer name.
      type: str
      sample: kubernetes.io/kube-apiserver-client-kubelet
elapsed:
  description: Seconds waited.
  returned: always
  type: float
  sample: 10.3
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube

KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"


def _csr_common_name(request_pem):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        csr = x509.load_pem_x509_csr(request_pem)
    except ValueError:
        return None
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else None


def csr_condition(csr):
    """``Approved,Issued``-style summary of a CSR's status, as ``kubectl get csr`` prints it."""
    conditions = [c.type for c in (csr.status.conditions or [])] if csr.status else []
    parts = [c for c in conditions if c in ("Approved", "Denied", "Failed")] or ["Pending"]
    if csr.status and csr.status.certificate:
        parts.append("Issued")
    return ",".join(parts)


def find_csr(certs, api, node_name, token_id):
    import base64

    items = _kube.call(api, certs.list_certificate_signing_request).items
    wanted_user = "system:bootstrap:%s" % token_id if token_id else None
    found = None
    for csr in items:
        spec = csr.spec
        if spec.signer_name != KUBELET_CLIENT_SIGNER:
            continue
        if wanted_user and spec.username != wanted_user:
            continue
        if not (spec.username or "").startswith("system:bootstrap:"):
            continue
        request = spec.request
        if isinstance(request, str):
            request = base64.b64decode(request)
        if _csr_common_name(request) != "system:node:%s" % node_name:
            continue
        created = csr.metadata.creation_timestamp
        if found is None or (created and found.metadata.creation_timestamp and created > found.metadata.creation_timestamp):
            found = csr
    return found


def describe_node(node):
    ready = next((c for c in (node.status.conditions or []) if c.type == "Ready"), None) if node.status else None
    internal = next((a.address for a in (node.status.addresses or []) if a.type == "InternalIP"), None) \
        if node.status else None
    return dict(
        name=node.metadata.name,
        ready=ready.status if ready else "Unknown",
        ready_reason=ready.reason if ready else None,
        ready_message=ready.message if ready else None,
        kubelet_version=node.status.node_info.kubelet_version if node.status and node.status.node_info else None,
        internal_ip=internal,
    )


def main():
    argument_spec = dict(
        node_name=dict(type="str", required=True),
        token_id=dict(type="str"),
        require_csr=dict(type="bool", default=True),
        wait_for_ready=dict(type="bool", default=False),
        timeout=dict(type="int", default=120),
        poll_interval=dict(type="float", default=0.5),
    )
    argument_spec.update(_kube.CONNECTION_ARG_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    p = module.params
    # fails the module with a clear message when the kubernetes library is missing
    api = _kube.api_client_from_module(module)
    from kubernetes import client as k8s_client

    core = k8s_client.CoreV1Api(api)
    certs = k8s_client.CertificatesV1Api(api)
    start = time.time()
    deadline = start + p["timeout"]
    node_info = csr_info = None
    while True:
        try:
            csr = find_csr(certs, api, p["node_name"], p["token_id"])
            if csr is not None:
                csr_info = dict(name=csr.metadata.name, username=csr.spec.username,
                                condition=csr_condition(csr), signer_name=csr.spec.signer_name)
                if "Denied" in csr_info["condition"] or "Failed" in csr_info["condition"]:
                    module.fail_json(msg="CSR %s of %s was %s: the node cannot get its client certificate; "
                                         "see 'kubectl describe csr %s'"
                                         % (csr_info["name"], p["node_name"], csr_info["condition"], csr_info["name"]),
                                     csr=csr_info, node=node_info)
            try:
                node_info = describe_node(_kube.call(api, core.read_node, p["node_name"]))
            except _kube.KubeError as exc:
                if not _kube.is_not_found(exc):
                    raise
                node_info = None
        except _kube.KubeError as exc:
            module.fail_json(msg=str(exc))
        csr_done = csr_info is not None and csr_info["condition"] == "Approved,Issued"
        done = node_info is not None and (csr_done or not p["require_csr"]) and \
            (node_info["ready"] == "True" or not p["wait_for_ready"])
        if done:
            break
        if time.time() >= deadline:
            missing = []
            if node_info is None:
                missing.append("Node %s is not registered" % p["node_name"])
            if p["require_csr"] and not csr_done:
                missing.append("no bootstrap CSR for system:node:%s%s" % (
                    p["node_name"], " from system:bootstrap:%s" % p["token_id"] if p["token_id"] else "")
                    if csr_info is None else "CSR %s is %s (auto-approval needs the nodeclient "
                    "ClusterRoleBinding; approve by hand with 'kubectl certificate approve %s')"
                    % (csr_info["name"], csr_info["condition"], csr_info["name"]))
            if p["wait_for_ready"] and node_info is not None and node_info["ready"] != "True":
                missing.append("Node is not Ready: %s" % (node_info["ready_message"] or node_info["ready_reason"]))
            module.fail_json(msg="after %ss: %s. On the worker, 'journalctl -u kubelet' tells why."
                             % (p["timeout"], "; ".join(missing)), node=node_info, csr=csr_info,
                             elapsed=round(time.time() - start, 2))
        time.sleep(p["poll_interval"])
    module.exit_json(changed=False, node=node_info, csr=csr_info, elapsed=round(time.time() - start, 2))


if __name__ == "__main__":
    main()
