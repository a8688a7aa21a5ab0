#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_info
short_description: Read Nodes and the API server's version
version_added: 0.2.0
description:
  - Reads the Nodes named in O(names) (those that do not exist are reported as absent) and the API server's
    version (C(/version)), with the admin credentials of the control plane.
  - Used before a join to tell a worker that joined already from a new machine that would take over the name
    of another one, and to check the kubelet's version against the API server's.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
options:
  names:
    description: Node names to read.
    type: list
    elements: str
    default: []
  configz:
    description:
      - A Node whose kubelet's running configuration to read (C(/api/v1/nodes/<name>/proxy/configz), which the API
        server asks the kubelet for with its kubelet client certificate), returned in RV(configz).
    type: str
seealso:
  - module: hardway.nodejoin.node_join_wait
"""

EXAMPLES = r"""
- name: The Nodes of the workers, and the API server's version
  hardway.nodejoin.node_info:
    kubeconfig: /etc/kubernetes/admin.conf
    names: [worker1, worker2]
  register: cluster
"""

RETURN = r"""
configz:
  description: The running configuration of the kubelet of O(configz) (its C(kubeletconfig)).
  returned: when O(configz) is given and the kubelet answers
  type: dict
  sample: {"authentication": {"anonymous": {"enabled": false}}, "authorization": {"mode": "Webhook"}}
server_version:
  description: The API server's C(gitVersion).
  returned: success
  type: str
  sample: v1.36.3
nodes:
  description: Each name of O(names) mapped to its Node's summary, or V(null) when there is no such Node.
  returned: success
  type: dict
  sample:
    worker1:
      name: worker1
      ready: "True"
      machine_id: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
      kubelet_version: v1.36.3
      internal_ip: 10.77.0.11
"""

import json

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes


def summarise(node):
    """The parts of a Node (a dict as the API returns it) a join decision needs: what
    ``_nodes.node_summary`` gives, and the machine id (``status.nodeInfo.machineID``)."""
    summary = _nodes.node_summary(node)
    summary["machine_id"] = ((node.get("status") or {}).get("nodeInfo") or {}).get("machineID")
    return summary


def main():
    kube = _kube.KubeModule(dict(names=dict(type="list", elements="str", default=[]), configz=dict(type="str")),
                            supports_check_mode=True)
    p = kube.params

    def body():
        version = kube.server_version()
        core = kube.api("CoreV1Api")
        serialize = kube.client.sanitize_for_serialization
        nodes = {}
        for name in p["names"]:
            node = kube.read(core.read_node, name)
            nodes[name] = summarise(serialize(node)) if node is not None else None
        result = dict(changed=False, server_version=version, nodes=nodes)
        if p["configz"]:
            status, text = kube.get_raw("/api/v1/nodes/%s/proxy/configz" % p["configz"])
            if status != 200:
                kube.fail("the kubelet of %s did not give its configz through the API server (HTTP %s): %s"
                          % (p["configz"], status, text[:300]), **result)
            try:
                result["configz"] = json.loads(text).get("kubeletconfig") or {}
            except ValueError:
                kube.fail("the configz of %s is no JSON: %s" % (p["configz"], text[:300]), **result)
        return result

    kube.run(body)


if __name__ == "__main__":
    main()
