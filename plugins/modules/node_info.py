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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube


def summarise(node):
    """The parts of a Node (kubernetes client object) a join decision needs (dict)."""
    status = node.status
    ready = next((c for c in (status.conditions or []) if c.type == "Ready"), None) if status else None
    info = status.node_info if status else None
    internal = next((a.address for a in (status.addresses or []) if a.type == "InternalIP"), None) if status else None
    return dict(name=node.metadata.name, ready=ready.status if ready else "Unknown",
                machine_id=info.machine_id if info else None,
                kubelet_version=info.kubelet_version if info else None, internal_ip=internal)


def main():
    argument_spec = dict(names=dict(type="list", elements="str", default=[]), configz=dict(type="str"))
    argument_spec.update(_kube.CONNECTION_ARG_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    api = _kube.api_client_from_module(module)
    from kubernetes import client as k8s_client

    core = k8s_client.CoreV1Api(api)
    timeout = module.params["request_timeout"]
    nodes = {}
    try:
        status, body = _kube.get_raw(api, "/version", timeout=timeout)
        if status != 200:
            raise _kube.KubeError("GET /version on %s answered HTTP %s: %s" % (_kube.server_of(api), status, body[:200]))
        version = json.loads(body).get("gitVersion")
        for name in module.params["names"]:
            try:
                nodes[name] = summarise(_kube.call(api, core.read_node, name, _request_timeout=timeout))
            except _kube.KubeError as exc:
                if not _kube.is_not_found(exc):
                    raise
                nodes[name] = None
        result = dict(changed=False, server_version=version, nodes=nodes)
        if module.params["configz"]:
            status, body = _kube.get_raw(api, "/api/v1/nodes/%s/proxy/configz" % module.params["configz"], timeout=timeout)
            if status != 200:
                module.fail_json(msg="the kubelet of %s did not give its configz through the API server (HTTP %s): %s"
                                     % (module.params["configz"], status, body[:300]), **result)
            result["configz"] = json.loads(body).get("kubeletconfig") or {}
    except (_kube.KubeError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
