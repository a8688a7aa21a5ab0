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
    description:
      - Seconds between polls. A restarted kube-apiserver is ready 1-2 s after its start; a short interval
        saves most of a second per restart (a poll is one small GET).
    type: float
    default: 0.25
  request_timeout:
    description: Seconds for each request.
    type: int
    default: 5
  server:
    description:
      - API server URL to ask instead of the server of O(kubeconfig), with that kubeconfig's CA and
        credentials, e.g. one control plane host's own API server, or the load balancer in front of several.
        Its address must be among the API server certificate's SANs.
      - Not with O(host).
    type: str
    version_added: 0.2.0
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
"""

EXAMPLES = r"""
- name: Wait for kube-apiserver to be ready after a restart
  hardway.nodejoin.kube_health:
    kubeconfig: /etc/kubernetes/admin.conf
    timeout: 60

- name: The load balancer in front of several API servers still answers, with the admin credentials
  hardway.nodejoin.kube_health:
    kubeconfig: /etc/kubernetes/admin.conf
    server: https://lb.example:6443
    timeout: 30
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

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll


def main():
    kube = _kube.KubeModule(
        dict(
            path=dict(type="str", default="/readyz"),
            timeout=dict(type="int", default=60),
            poll_interval=dict(type="float", default=0.25),
            request_timeout=dict(type="int", default=5),
            server=dict(type="str"),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("host", "server")],
    )
    p = kube.params
    path = _kube.health_path(p["path"])

    def attempt(_remaining):
        try:
            status, body = kube.get_raw(path)
        except _kube.KubeError as exc:
            status, body = 0, str(exc)
        return status == 200, (status, body)

    try:
        polled = poll(attempt, p["timeout"], p["poll_interval"])
    except PollTimeout as exc:
        status, body = exc.state
        failing = _kube.failing_checks(body)
        kube.fail("%s of %s not ok after %ss: %s" % (
            p["path"], _kube.server_of(kube.client), p["timeout"],
            "; ".join(failing) if failing else (body.strip() or "no answer")),
            status=status, checks=body.splitlines(), elapsed=round(exc.elapsed, 2))
    status, body = polled.state
    kube.exit(changed=False, status=status, checks=[line for line in body.splitlines() if line.strip()],
              elapsed=round(polled.elapsed, 2))


if __name__ == "__main__":
    main()
