# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: kubelet_api_settings
short_description: Kubelet API access settings that never weaken what a kubelet has
version_added: 0.2.0
description:
  - Combines the settings the join would write (anonymous access, webhook authentication, authorization mode)
    with the kubelet's current ones (C(api) of RV(hardway.nodejoin.node_preflight#module:kubelet)); a stricter
    existing value is kept. Returns the settings to write and the names of those kept.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  _input:
    description: The settings the join would write (C(anonymous), C(webhook) (booleans), C(authorization) (V(Webhook) or V(AlwaysAllow))).
    type: dict
    required: true
  existing:
    description: The kubelet's current settings, or V(null) when it has no configuration file.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Settings to write
  ansible.builtin.set_fact:
    api: "{{ {'anonymous': false, 'webhook': true, 'authorization': 'Webhook'} | hardway.nodejoin.kubelet_api_settings(preflight.kubelet.api) }}"
'''

RETURN = r'''
_value:
  description: C(settings) (the values to write) and C(kept) (names where the existing stricter value was kept).
  type: dict
  sample:
    settings: {anonymous: false, webhook: true, authorization: Webhook}
    kept: []
'''

from ansible_collections.hardway.nodejoin.plugins.module_utils._preflight import stricter_api_settings


def kubelet_api_settings(wanted, existing):
    """wanted, existing -> {settings, kept}."""
    settings, kept = stricter_api_settings(existing, wanted)
    return {"settings": settings, "kept": kept}


class FilterModule(object):
    """hardway.nodejoin.kubelet_api_settings"""

    def filters(self):
        return {"kubelet_api_settings": kubelet_api_settings}
