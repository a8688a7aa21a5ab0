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
  configz:
    description:
      - Also wait until the kubelet gives its running configuration through the API server
        (C(/api/v1/nodes/<node_name>/proxy/configz)), and return it as RV(configz). The API server reaches
        a kubelet that just registered within seconds. One module run instead of a second one per worker
        on the control plane host (issue 15).
    type: bool
    default: false
    version_added: 0.2.0
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
    registered:
      description: When the Node was registered (its C(metadata.creationTimestamp)), RFC 3339 UTC.
      type: str
      sample: "2026-11-29T10:00:03Z"
    ready_since:
      description: Last transition of the Ready condition (RFC 3339 UTC), or null without one.
      type: str
      sample: "2026-11-29T10:00:05Z"
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
    created:
      description: When the kubelet made the CSR (its C(metadata.creationTimestamp)), RFC 3339 UTC.
      type: str
      sample: "2026-11-29T10:00:00Z"
    approved:
      description: When the CSR was approved (its Approved condition's C(lastUpdateTime)), RFC 3339 UTC, or null.
      type: str
      sample: "2026-11-29T10:00:02Z"
configz:
  description: The kubelet's running configuration (C(kubeletconfig) of its configz).
  returned: when O(configz=true) and the wait succeeded
  type: dict
  sample: {"authentication": {"anonymous": {"enabled": false}}, "readOnlyPort": 0}
elapsed:
  description: Seconds waited.
  returned: always
  type: float
  sample: 10.3
"""

import json

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll


class _CsrFailed(Exception):
    """The bootstrap CSR was denied or failed: waiting cannot help."""


def main():
    kube = _kube.KubeModule(
        dict(
            node_name=dict(type="str", required=True),
            token_id=dict(type="str"),
            require_csr=dict(type="bool", default=True),
            wait_for_ready=dict(type="bool", default=False),
            timeout=dict(type="int", default=120),
            poll_interval=dict(type="float", default=0.5),
            configz=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = kube.params
    core = kube.api("CoreV1Api")
    certs = kube.api("CertificatesV1Api")
    serialize = kube.client.sanitize_for_serialization
    last = dict(node=None, csr=None)
    configz = dict(value=None, error=None)

    def read_configz():
        status, text = kube.get_raw("/api/v1/nodes/%s/proxy/configz" % p["node_name"])
        if status != 200:
            configz["error"] = "the kubelet did not give its configz through the API server (HTTP %s): %s" % (
                status, text[:300])
            return False
        try:
            configz["value"] = json.loads(text).get("kubeletconfig") or {}
        except ValueError:
            configz["error"] = "the configz of %s is no JSON: %s" % (p["node_name"], text[:300])
            return False
        return True

    def attempt(_remaining):
        csrs = [serialize(c) for c in kube.call(certs.list_certificate_signing_request).items]
        last["csr"] = _nodes.csr_summary(_nodes.find_bootstrap_csr(csrs, p["node_name"], p["token_id"]))
        failure = _nodes.csr_failure(last["csr"], p["node_name"])
        if failure:
            raise _CsrFailed(failure)
        node = kube.read(core.read_node, p["node_name"])
        last["node"] = _nodes.node_summary(serialize(node) if node is not None else None)
        done = _nodes.joined(last["node"], last["csr"], p["require_csr"], p["wait_for_ready"])
        if done and p["configz"]:
            done = read_configz()
        return done, dict(last)

    try:
        polled = poll(attempt, p["timeout"], p["poll_interval"])
    except _CsrFailed as exc:
        kube.fail(str(exc), csr=last["csr"], node=last["node"])
    except _kube.KubeError as exc:
        kube.fail(str(exc))
    except PollTimeout as exc:
        state = exc.state
        missing = _nodes.missing(state["node"], state["csr"], p["node_name"], p["token_id"], p["require_csr"],
                                 p["wait_for_ready"])
        if not missing and configz["error"]:
            missing = [configz["error"]]
        kube.fail("after %ss: %s. On the worker, 'journalctl -u kubelet' tells why." % (p["timeout"], "; ".join(missing)),
                  node=state["node"], csr=state["csr"], elapsed=round(exc.elapsed, 2))
    node = polled.state["node"]
    if node and node.get("ready") != "True":
        # a real Ansible warning (AWX counts it), not a debug line
        kube.module.warn("Node %s is NotReady: %s. A CNI config in /etc/cni/net.d makes it Ready (the worker role's "
                         "worker_loopback_cni=true writes the lesson's loopback config)."
                         % (node.get("name"), node.get("ready_message") or node.get("ready_reason")))
    result = dict(changed=False, node=node, csr=polled.state["csr"], elapsed=round(polled.elapsed, 2))
    if p["configz"]:
        result["configz"] = configz["value"]
    kube.exit(**result)


if __name__ == "__main__":
    main()
