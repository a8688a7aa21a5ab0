#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_remove
short_description: Delete a Node from the API with the CSRs and the bootstrap tokens made for it
version_added: 0.2.0
description:
  - Deletes the Node O(name) (C(kubectl delete node)), the CertificateSigningRequests of its kubelet (for
    the kubelet signers, requested as C(system:node:<name>) or asking for that subject, which are its bootstrap,
    renewal and serving CSRs), and the bootstrap tokens labelled C(hardway.nodejoin/node-name=<token_label>)
    (the per-worker tokens the control_plane role makes). Shared tokens are left, as other workers may use them.
  - What is not there is nothing to delete; a second run reports C(changed=false).
  - Delete the Node only once its kubelet is stopped, since a running kubelet registers it again.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes (Python library) on the host that runs the module
  - cryptography (Python library), to read the subject of bootstrap CSRs
seealso:
  - module: hardway.nodejoin.node_drain
options:
  name:
    description: Name of the Node.
    type: str
    required: true
  csrs:
    description: Also delete the Node's kubelet CSRs.
    type: bool
    default: true
  token_label:
    description:
      - Also delete the bootstrap tokens (Secrets of type C(bootstrap.kubernetes.io/token) in C(kube-system))
        labelled C(hardway.nodejoin/node-name) with this value (the worker's inventory name). Unset, no token is deleted.
    type: str
  wait:
    description: Wait until the Node is gone from the API (at most O(wait_timeout) seconds).
    type: bool
    default: true
  wait_timeout:
    description: Seconds for O(wait).
    type: int
    default: 60
extends_documentation_fragment:
  - hardway.nodejoin.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be deleted.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Delete worker1's Node, CSRs and per-worker tokens
  hardway.nodejoin.node_remove:
    name: worker1
    token_label: worker1
"""

RETURN = r"""
node_deleted:
  description: Whether the Node was there and deleted (in check mode, would be).
  returned: success
  type: bool
  sample: true
csrs_deleted:
  description: Names of the CSRs deleted.
  returned: success
  type: list
  elements: str
  sample: [csr-x5qbx]
tokens_deleted:
  description: Token ids of the bootstrap tokens deleted.
  returned: success
  type: list
  elements: str
  sample: [abcdef]
"""

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll

TOKEN_LABEL = "hardway.nodejoin/node-name"
TOKEN_TYPE = "bootstrap.kubernetes.io/token"


def main():
    kube = _kube.KubeModule(
        dict(
            name=dict(type="str", required=True),
            csrs=dict(type="bool", default=True),
            token_label=dict(type="str", no_log=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    p = kube.params

    def ignore_missing(fn, *args):
        try:
            kube.call(fn, *args)
        except _kube.KubeError as exc:
            if not _kube.is_not_found(exc):
                raise

    def body():
        core = kube.api("CoreV1Api")
        node = kube.read(core.read_node, p["name"])
        result = dict(node_deleted=node is not None, csrs_deleted=[], tokens_deleted=[])
        if node is not None and not kube.check_mode:
            ignore_missing(core.delete_node, p["name"])
            if p["wait"]:
                try:
                    poll(lambda _r: (kube.read(core.read_node, p["name"]) is None, None), p["wait_timeout"], 1)
                except PollTimeout:
                    raise _kube.KubeError("Node %s is still there %ss after its deletion (finalizers?)"
                                          % (p["name"], p["wait_timeout"]))
        if p["csrs"]:
            certificates = kube.api("CertificatesV1Api")
            listed = kube.call(certificates.list_certificate_signing_request)
            csrs = [kube.client.sanitize_for_serialization(c) for c in listed.items]
            result["csrs_deleted"] = _nodes.node_csrs(csrs, p["name"])
            if not kube.check_mode:
                for name in result["csrs_deleted"]:
                    ignore_missing(certificates.delete_certificate_signing_request, name)
        if p["token_label"]:
            secrets = kube.call(core.list_namespaced_secret, "kube-system",
                                label_selector="%s=%s" % (TOKEN_LABEL, p["token_label"]),
                                field_selector="type=%s" % TOKEN_TYPE)
            for secret in secrets.items:
                name = kube.client.sanitize_for_serialization(secret)["metadata"]["name"]
                result["tokens_deleted"].append(name[len("bootstrap-token-"):])
                if not kube.check_mode:
                    ignore_missing(core.delete_namespaced_secret, name, "kube-system")
        result["changed"] = bool(result["node_deleted"] or result["csrs_deleted"] or result["tokens_deleted"])
        return result

    kube.run(body)


if __name__ == "__main__":
    main()
