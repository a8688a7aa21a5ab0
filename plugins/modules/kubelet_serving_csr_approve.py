#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kubelet_serving_csr_approve
short_description: Approve kubelet serving CSRs that name only their node's own addresses; deny the others
version_added: 0.2.0
description:
  - Lists the pending CSRs of signer C(kubernetes.io/kubelet-serving) (what a kubelet with
    C(serverTLSBootstrap=true) requests, at start and on every renewal) and approves or denies each
    through the C(/approval) subresource, with the reason in the condition's message, as
    C(kubectl certificate approve|deny) would.
  - "Approved only when: the requester is C(system:node:<n>) in group C(system:nodes), C(<n>) is a key
    of O(nodes); the subject is C(O=system:nodes, CN=system:node:<n>); the usages are exactly
    C(digital signature) and C(server auth) (with an RSA key also C(key encipherment) may be asked for);
    there is at least one DNS or IP SAN and no email, URI or other SAN; every IP SAN is an address of
    O(nodes)[<n>] or of the Node's C(status.addresses) that no other node has; every DNS SAN is C(<n>),
    a name in O(nodes)[<n>] or a name in the Node's C(status.addresses) that no other node has; and
    C(spec.expirationSeconds), when set, is at most O(max_expiration_seconds). Anything else is denied."
  - No DNS lookups are made. A kubelet can write its own Node status, so an address found there is
    granted only when no other node (of O(nodes) or of the cluster) has it.
  - With O(wait_for_issued), keeps deciding until each named node has an Approved and issued serving
    CSR (kube-controller-manager signs it), or fails at O(timeout) saying what is missing.
  - The decision is the same code the control plane's systemd timer runs between playbook runs
    (see the control_plane role, C(control_plane_kubelet_serving_certificates)).
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes and cryptography (Python libraries) on the host that runs the module
seealso:
  - module: hardway.nodejoin.kubelet_serving_info
  - link: https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#kubernetes-signers
    name: Kubernetes signers
    description: The kubelet-serving signer, whose CSRs no built-in approver approves.
  - link: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation
    name: Kubelet certificate rotation
    description: serverTLSBootstrap and the serving CSR the kubelet renews.
options:
  nodes:
    description:
      - The workers whose serving CSRs may be approved, node name mapped to the names and addresses
        (IP addresses or DNS names) the inventory gives it. The node name itself is always allowed as a
        DNS SAN.
    type: dict
    required: true
  only:
    description:
      - Decide only the CSRs requested by these node names; the other pending serving CSRs are left as
        they are (for example those of workers another run joins). Unset, every pending serving CSR is
        decided, and one whose requester is no key of O(nodes) is denied.
    type: list
    elements: str
  max_expiration_seconds:
    description: The largest C(spec.expirationSeconds) approved. A CSR without it gets the signer's duration.
    type: int
    default: 31536000
  wait_for_issued:
    description: Node names; wait until each has an Approved, issued serving CSR (not in check mode).
    type: list
    elements: str
    default: []
  created_after:
    description:
      - For O(wait_for_issued), only serving CSRs created at or after this time (RFC 3339, e.g. when the kubelet
        started) count, less O(clock_skew), so the Approved,Issued CSR of an earlier join must not be taken for the one
        a restarted kubelet is asking for, and a Denied one (by this module or the approver timer) fails the wait
        at once with its reason.
      - Unset, every serving CSR of the node counts.
    type: str
  clock_skew:
    description:
      - Seconds by which the clock that gave O(created_after) may be ahead of the API server's (which stamps
        C(metadata.creationTimestamp)).
    type: int
    default: 0
  timeout:
    description: Seconds O(wait_for_issued) may take in all.
    type: int
    default: 120
  poll_interval:
    description: Seconds between rounds while waiting.
    type: float
    default: 1.0
extends_documentation_fragment:
  - hardway.nodejoin.connection
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return changed status prediction without modifying target.
    details: Decides and reports C(would approve) or C(would deny); writes nothing and does not wait.
  diff_mode:
    support: none
    description: No diff; each decision and its reason are in RV(csrs).
"""

EXAMPLES = r"""
- name: Approve worker1's serving CSR and wait until it is issued
  hardway.nodejoin.kubelet_serving_csr_approve:
    nodes:
      worker1: [10.0.0.11, worker1.example.org]
    only: [worker1]
    wait_for_issued: [worker1]
  delegate_to: "{{ groups['control_plane'][0] }}"

- name: Decide every pending serving CSR of the cluster (unknown requesters are denied)
  hardway.nodejoin.kubelet_serving_csr_approve:
    nodes: "{{ control_plane_serving_csr_nodes }}"
"""

RETURN = r"""
csrs:
  description: The CSRs decided, in listing order (those of rounds while waiting included).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: CSR name.
      type: str
      sample: csr-7xk2p
    node:
      description: Node name of the requester, or null when the requester is no node identity.
      type: str
      sample: worker1
    username:
      description: The requester.
      type: str
      sample: system:node:worker1
    approve:
      description: The policy's decision.
      type: bool
      sample: true
    reason:
      description: Why (also the message of the condition written).
      type: str
      sample: serving certificate of inventory worker worker1 for worker1, 10.0.0.11
    result:
      description: approved, denied, decided elsewhere (409, another approver was first), would approve, would deny.
      type: str
      sample: approved
issued:
  description: Node name mapped to the name of its newest Approved,Issued serving CSR (for O(wait_for_issued)).
  returned: always
  type: dict
  sample: {worker1: csr-7xk2p}
elapsed:
  description: Seconds spent.
  returned: always
  type: float
  sample: 3.2
"""

import datetime

from ansible_collections.hardway.nodejoin.plugins.module_utils import _csr_approver
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll


class _Denied(Exception):
    """A node waited for got its serving CSR denied: waiting cannot help."""


def main():
    kube = _kube.KubeModule(
        dict(
            nodes=dict(type="dict", required=True),
            only=dict(type="list", elements="str"),
            max_expiration_seconds=dict(type="int", default=31536000),
            wait_for_issued=dict(type="list", elements="str", default=[]),
            created_after=dict(type="str"),
            clock_skew=dict(type="int", default=0),
            timeout=dict(type="int", default=120),
            poll_interval=dict(type="float", default=1.0),
        ),
        supports_check_mode=True,
    )
    p = kube.params
    inventory = dict((str(k), [str(a) for a in (v or [])]) for k, v in p["nodes"].items())
    for name in p["wait_for_issued"]:
        if name not in inventory:
            kube.fail("wait_for_issued names %s, which is no key of nodes: its CSR would be denied" % name)
    if p["max_expiration_seconds"] < 600:
        kube.fail("max_expiration_seconds must be at least 600 (the API's minimum expirationSeconds)")
    created_after = None
    if p["created_after"]:
        created_after = _nodes.parse_time(p["created_after"])
        if created_after is None:
            kube.fail("created_after must be an RFC 3339 time such as 2026-11-29T12:00:00Z, not %r" % p["created_after"])
        created_after -= datetime.timedelta(seconds=max(0, p["clock_skew"]))
    decided = []
    issued = {}
    certs, core = kube.api("CertificatesV1Api"), kube.api("CoreV1Api")

    def attempt(_remaining):
        decisions, csrs = _csr_approver.run_round(certs, core, kube.client.sanitize_for_serialization, inventory,
                                                  p["max_expiration_seconds"], p["only"], kube.check_mode, kube.call)
        decided.extend(decisions)
        waiting = []
        for name in p["wait_for_issued"]:
            csr = _csr_approver.serving_csr_issued(csrs, name, created_after)
            if csr is not None:
                issued[name] = csr["metadata"]["name"]
                continue
            denied = [d for d in decisions if d["node"] == name and not d["approve"]]
            if denied:
                raise _Denied("the serving CSR %s of node %s was denied: %s"
                              % (denied[0]["name"], name, denied[0]["reason"]))
            # denied elsewhere (the approver timer) since the kubelet asked: waiting cannot help
            elsewhere = _csr_approver.serving_csr_denied(csrs, name, created_after) if created_after else None
            if elsewhere is not None:
                raise _Denied("the serving CSR %s of node %s was denied: %s"
                              % (elsewhere["metadata"]["name"], name, _csr_approver.condition_message(elsewhere)))
            waiting.append(name)
        return not waiting or kube.check_mode, waiting

    try:
        polled = poll(attempt, p["timeout"], p["poll_interval"])
    except _Denied as exc:
        kube.fail(str(exc), csrs=decided, issued=issued, changed=bool(decided))
    except _kube.KubeError as exc:
        kube.fail(str(exc), csrs=decided, issued=issued, changed=bool(decided))
    except PollTimeout as exc:
        kube.fail("after %ss no Approved,Issued kubelet serving CSR of %s: is serverTLSBootstrap true in the "
                  "kubelet's config (journalctl -u kubelet on the worker says 'certificate signing request' when it "
                  "asks), and does kube-controller-manager sign with --cluster-signing-cert-file?"
                  % (p["timeout"], ", ".join(exc.state)), csrs=decided, issued=issued, changed=bool(decided),
                  elapsed=round(exc.elapsed, 2))
    kube.exit(changed=bool(decided), csrs=decided, issued=issued, elapsed=round(polled.elapsed, 2))


if __name__ == "__main__":
    main()
