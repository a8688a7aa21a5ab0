# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: join_report
short_description: The join report, one record and one line per worker
version_added: 0.2.0
description:
  - From what each worker published (the worker role's fact C(worker_join_result)), or why it failed, builds
    one record per worker, sorted by host - result (V(joined), V(already_joined), V(would_join),
    V(pending_approval), V(failed)), node name, the time of each milestone (token made, kubelet restarted,
    CSR made, CSR approved, Node registered, Ready) and the seconds after the token, the CSR name, condition
    and signer, and the reason (a failure, or why the Node is NotReady) - and its line of text.
  - Only the token id is copied, never a secret.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  _input:
    description:
      - Worker name mapped to its C(worker_join_result), or to a failure (C(result=failed) with C(reason), C(stage), C(node_name)),
        or to V(null) when the worker left nothing (unreachable).
    type: dict
    required: true
  token_made:
    description: When the bootstrap token was made or reused, RFC 3339 UTC.
    type: str
'''

EXAMPLES = r'''
- name: One line per worker
  ansible.builtin.debug:
    msg: "{{ outcomes | hardway.nodejoin.join_report(token_made) | map(attribute='line') | list }}"
'''

RETURN = r'''
_value:
  description: One record per worker (host, node_name, result, reason, stage, token_id, csr, ready, milestones, seconds, line).
  type: list
  elements: dict
  sample:
    - host: worker1
      node_name: worker1
      result: joined
      reason: null
      csr: {name: csr-8vq5d, signer_name: kubernetes.io/kube-apiserver-client-kubelet, condition: "Approved,Issued"}
      ready: "True"
      milestones: {token_made: "2026-11-29T10:00:00.120000Z", kubelet_restarted: "2026-11-29T10:00:03.500000Z",
                   csr_created: "2026-11-29T10:00:04Z", csr_approved: "2026-11-29T10:00:04Z",
                   node_registered: "2026-11-29T10:00:05Z", ready: "2026-11-29T10:00:06Z"}
      seconds: {token_made: 0.0, kubelet_restarted: 3.4, csr_created: 3.9, csr_approved: 3.9, node_registered: 4.9, ready: 5.9}
      line: "worker1: joined; node worker1; token ... -> Ready 2026-11-29T10:00:06Z (+5.9 s); CSR csr-8vq5d ..."
'''

from ansible_collections.hardway.nodejoin.plugins.module_utils._report import join_report


class FilterModule(object):
    """hardway.nodejoin.join_report"""

    def filters(self):
        return {"join_report": join_report}
