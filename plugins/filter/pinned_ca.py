# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: pinned_ca
short_description: Keep only the pinned certificates of a CA bundle
version_added: 0.2.0
description:
  - Returns the PEM of the certificates in the input whose CA cert hash (C(sha256:<hex>) of the
    SubjectPublicKeyInfo, RFC 7469, kubeadm's C(--discovery-token-ca-cert-hash)) is among the pins, in their
    order. A bundle whose first certificate is pinned cannot bring an unpinned second CA along.
  - With no pins every certificate is kept.
  - Fails when no certificate is pinned, listing the hashes found.
  - Runs on the controller and needs the Python C(cryptography) library there.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - cryptography >= 38.0.4 on the controller
options:
  _input:
    description: PEM text with one or more C(CERTIFICATE) blocks.
    type: string
    required: true
  pins:
    description: The pinned CA cert hashes.
    type: list
    elements: string
    required: true
seealso:
  - plugin: hardway.nodejoin.ca_cert_hash
    plugin_type: filter
'''

EXAMPLES = r'''
- name: The CA the worker will trust, pinned certificates only
  ansible.builtin.set_fact:
    ca_pem: "{{ lookup('ansible.builtin.file', 'ca-bundle.crt') | hardway.nodejoin.pinned_ca(['sha256:0ad6...']) }}"
'''

RETURN = r'''
_value:
  description: PEM text of the pinned certificates.
  type: string
  sample: |
    -----BEGIN CERTIFICATE-----
    MIIDBTCCAe2gAwIBAgIIY...
    -----END CERTIFICATE-----
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    PKIError,
    select_pinned,
)


def pinned_ca(pem, pins):
    """PEM text, pins -> PEM text of the pinned certificates only (see _pki.select_pinned)."""
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError('hardway.nodejoin.pinned_ca needs the Python cryptography library on the '
                                 'controller: %s' % to_native(CRYPTOGRAPHY_IMPORT_ERROR.strip().splitlines()[-1]))
    try:
        return select_pinned(pem, pins)[0]
    except PKIError as exc:
        raise AnsibleFilterError(to_native(exc))


class FilterModule(object):
    """hardway.nodejoin.pinned_ca"""

    def filters(self):
        return {'pinned_ca': pinned_ca}
