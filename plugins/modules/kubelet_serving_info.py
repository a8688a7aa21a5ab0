#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kubelet_serving_info
short_description: Check that every kubelet serves a certificate kube-apiserver can verify with the cluster CA
version_added: 0.2.0
description:
  - For each Node of the cluster, connects from this host to the address and port kube-apiserver would use
    (the first C(status.addresses) entry of a type in O(preferred_address_types), and
    C(status.daemonEndpoints.kubeletEndpoint.Port)) and verifies the kubelet's serving certificate against
    O(ca_file) and that address, as kube-apiserver does with C(--kubelet-certificate-authority).
  - A kubelet without C(serverTLSBootstrap) serves a self-signed certificate; with the flag on, C(kubectl
    logs/exec) to it would fail. Run this on the control plane host before turning the flag on.
  - Polls until every Node verifies or O(timeout) runs out (a kubelet loads a just issued serving
    certificate within seconds), then fails naming the nodes that do not, when O(fail_on_unverified).
  - Only reads; never changes anything.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes (Python library) on the host that runs the module
seealso:
  - module: hardway.nodejoin.kubelet_serving_csr_approve
  - link: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
    name: kube-apiserver options
    description: --kubelet-certificate-authority and --kubelet-preferred-address-types, whose check this module makes.
options:
  ca_file:
    description: The cluster CA certificate on this host (what C(--kubelet-certificate-authority) would name).
    type: path
    required: true
  preferred_address_types:
    description: kube-apiserver's C(--kubelet-preferred-address-types), in order.
    type: list
    elements: str
    default: [Hostname, InternalDNS, InternalIP, ExternalDNS, ExternalIP]
  timeout:
    description: Seconds to keep trying until every Node verifies.
    type: int
    default: 60
  poll_interval:
    description: Seconds between rounds.
    type: float
    default: 2.0
  fail_on_unverified:
    description: Fail when a Node does not verify by O(timeout) (else report it).
    type: bool
    default: true
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
"""

EXAMPLES = r"""
- name: Every kubelet serves a certificate of the cluster CA
  hardway.nodejoin.kubelet_serving_info:
    ca_file: /etc/kubernetes/pki/ca.crt
"""

RETURN = r"""
nodes:
  description: Node name mapped to its endpoint and the result.
  returned: always
  type: dict
  sample:
    worker1: {address: worker1, port: 10250, verified: true, reason: null}
    worker2: {address: 10.0.0.12, port: 10250, verified: false,
              reason: "its certificate does not verify against /etc/kubernetes/pki/ca.crt for 10.0.0.12: self-signed certificate"}
unverified:
  description: Names of the Nodes whose kubelet certificate did not verify.
  returned: always
  type: list
  elements: str
  sample: [worker2]
elapsed:
  description: Seconds spent.
  returned: always
  type: float
  sample: 0.4
"""

import os

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubelet_serving
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll


def main():
    kube = _kube.KubeModule(
        dict(
            ca_file=dict(type="path", required=True),
            preferred_address_types=dict(type="list", elements="str",
                                         default=list(_kubelet_serving.DEFAULT_PREFERRED_ADDRESS_TYPES)),
            timeout=dict(type="int", default=60),
            poll_interval=dict(type="float", default=2.0),
            fail_on_unverified=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = kube.params
    if not os.path.isfile(p["ca_file"]):
        kube.fail("ca_file %s does not exist on this host: give the cluster CA certificate" % p["ca_file"])
    core = kube.api("CoreV1Api")
    serialize = kube.client.sanitize_for_serialization
    types = tuple(p["preferred_address_types"])

    def attempt(remaining):
        nodes = {}
        for node in kube.call(core.list_node).items:
            obj = serialize(node)
            address, port = _kubelet_serving.kubelet_endpoint(obj, types)
            reason = ("it has no address of the types %s" % ", ".join(types) if address is None else
                      _kubelet_serving.verify_kubelet(address, port, p["ca_file"], timeout=min(10.0, max(remaining, 1.0))))
            nodes[node.metadata.name] = dict(address=address, port=port, verified=reason is None, reason=reason)
        missing = _kubelet_serving.unverified(dict((n, v["reason"]) for n, v in nodes.items()))
        return not missing, nodes

    try:
        polled = poll(attempt, p["timeout"], p["poll_interval"])
        nodes, elapsed = polled.state, polled.elapsed
    except _kube.KubeError as exc:
        kube.fail(str(exc))
    except PollTimeout as exc:
        nodes, elapsed = exc.state, exc.elapsed
    missing = _kubelet_serving.unverified(dict((n, v["reason"]) for n, v in nodes.items()))
    if missing and p["fail_on_unverified"]:
        kube.fail("the kubelet of %s serves no certificate kube-apiserver could verify with %s (%s): give them serving "
                  "certificates first (worker role, worker_kubelet_serving_certificates=true, which sets "
                  "serverTLSBootstrap and gets the serving CSR approved)"
                  % (", ".join(missing), p["ca_file"], "; ".join("%s: %s" % (n, nodes[n]["reason"]) for n in missing)),
                  nodes=nodes, unverified=missing, elapsed=round(elapsed, 2))
    kube.exit(changed=False, nodes=nodes, unverified=missing, elapsed=round(elapsed, 2))


if __name__ == "__main__":
    main()
