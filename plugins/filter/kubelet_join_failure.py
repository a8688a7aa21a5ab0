# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: kubelet_join_failure
short_description: The likely cause of a TLS bootstrap that did not finish, from the kubelet's log
version_added: 0.2.0
description:
  - Reads the kubelet's last log lines (newest last) and names the likely cause (401 token, x509 CA or clock,
    unreachable API server, 403 RBAC); an empty string when no known pattern matches.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  _input:
    description: The kubelet's log lines.
    type: list
    required: true

'''

EXAMPLES = r'''
- name: Why
  ansible.builtin.debug:
    msg: "{{ kubelet_log.stdout_lines | hardway.nodejoin.kubelet_join_failure }}"
'''

RETURN = r'''
_value:
  description: The likely cause, or an empty string.
  type: string
  sample: "the kubelet cannot reach the API server: check worker_api_server and the network"
'''

from ansible_collections.hardway.nodejoin.plugins.module_utils._preflight import likely_cause


def kubelet_join_failure(lines):
    """log lines -> likely cause (str, empty when unknown)."""
    return likely_cause(lines) or ""


class FilterModule(object):
    """hardway.nodejoin.kubelet_join_failure"""

    def filters(self):
        return {"kubelet_join_failure": kubelet_join_failure}
