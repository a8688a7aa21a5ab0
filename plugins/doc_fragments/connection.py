# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options of the modules that talk to the API server (module_utils/_kube.CONNECTION_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  kubeconfig:
    description: Kubeconfig to use when O(host) is unset (the control plane's admin kubeconfig by default).
    type: path
    default: /etc/kubernetes/admin.conf
  context:
    description: Context of O(kubeconfig) to use; default its current context.
    type: str
  host:
    description: API server URL, instead of a kubeconfig.
    type: str
  ca_cert:
    description: CA certificate (path) that verifies the API server, with O(host).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description: Client certificate (path), with O(host).
    type: path
  client_key:
    description: Client key (path), with O(host).
    type: path
  api_token:
    description: Bearer token, with O(host).
    type: str
  validate_certs:
    description: Verify the API server's certificate.
    type: bool
    default: true
  request_timeout:
    description: Seconds for each API request.
    type: int
    default: 15
requirements:
  - kubernetes (Python library) on the host that runs the module
attributes:
  action_group:
    description: Use C(group/hardway.nodejoin.api) in C(module_defaults) to set the connection options of all these modules at once.
    support: full
    membership:
      - hardway.nodejoin.api
"""
