#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kube_health
short_description: Wait until the API server's health endpoint answers ok
version_added: 0.1.0
description:
  - Polls O(path) (default C(/readyz)) of the API server with the credentials of a kubeconfig until
    it answers HTTP 200, as C(kubectl get --raw /readyz) would, and returns the verbose check list.
  - Fails after O(timeout) seconds with the last answer or connection error, so a caller can roll back.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
seealso:
  - module: hardway.nodejoin.node_join_wait
  - module: hardway.nodejoin.systemd_unit_flags
  - link: https://kubernetes.io/docs/reference/using-api/health-checks/
    name: Kubernetes API health endpoints
    description: C(/readyz), C(/livez) and their verbose check lists.
options:
  path:
    description: Health endpoint.
    type: str
    default: /readyz
  timeout:
    description: Seconds to wait in all.
    type: int
    default: 60
  poll_interval:
    description: Seconds between polls.
    type: float
    default: 1
  request_timeout:
    description: Seconds for each request.
    type: int
    default: 5
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
"""

EXAMPLES = r"""
- name: Wait for kube-apiserver to be ready after a restart
  hardway.nodejoin.kube_health:
    kubeconfig: /etc/kubernetes/admin.conf
    timeout: 60
"""

RETURN = r"""
status:
  description: HTTP status of the last answer (0 when none came).
  returned: always
  type: int
  sample: 200
checks:
  description: The verbose check lines of the last answer.
  returned: always
  type: list
  elements: str
  sample: ["[+]ping ok", "[+]etcd ok"]
elapsed:
  description: Seconds waited.
  returned: always
  type: float
  sample: 3.1
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube


def main():
    argument_spec = dict(
        path=dict(type="str", default="/readyz"),
        timeout=dict(type="int", default=60),
        poll_interval=dict(type="float", default=1),
    )
    argument_spec.update(_kube.CONNECTION_ARG_SPEC)
    argument_spec["request_timeout"] = dict(type="int", default=5)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    api = _kube.api_client_from_module(module)
    path = p["path"] + ("&" if "?" in p["path"] else "?") + "verbose"
    start = time.time()
    status, last = 0, ""
    while True:
        try:
            status, last = _kube.get_raw(api, path, timeout=p["request_timeout"])
        except _kube.KubeError as exc:
            status, last = 0, str(exc)
        if status == 200:
            break
        if time.time() - start >= p["timeout"]:
            failing = [line for line in last.splitlines() if line.startswith("[-]")]
            module.fail_json(msg="%s of %s not ok after %ss: %s" % (
                p["path"], _kube.server_of(api), p["timeout"],
                "; ".join(failing) if failing else (last.strip() or "no answer")),
                status=status, checks=last.splitlines(), elapsed=round(time.time() - start, 2))
        time.sleep(p["poll_interval"])
    module.exit_json(changed=False, status=status, checks=[line for line in last.splitlines() if line.strip()],
                     elapsed=round(time.time() - start, 2))


if __name__ == "__main__":
    main()
