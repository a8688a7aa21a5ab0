# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: ca_cert_hash
short_description: kubeadm's discovery-token-ca-cert-hash of a PEM CA certificate
version_added: 0.1.0
description:
  - Computes C(sha256:<hex>), the SHA-256 over the DER-encoded SubjectPublicKeyInfo of a certificate
    (the public key pin of RFC 7469, hex encoded), which is the value of
    C(kubeadm join --discovery-token-ca-cert-hash).
  - A single certificate gives a string; PEM text with several certificates gives a list, one hash per
    certificate in order.
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
seealso:
  - module: hardway.nodejoin.ca_cert_hash
'''

EXAMPLES = r'''
- name: Join flag from a CA certificate fetched to the controller
  ansible.builtin.debug:
    msg: "--discovery-token-ca-cert-hash {{ lookup('ansible.builtin.file', 'ca.crt') | hardway.nodejoin.ca_cert_hash }}"

- name: From a slurped file on the control plane
  ansible.builtin.set_fact:
    ca_hash: "{{ ca_crt.content | b64decode | hardway.nodejoin.ca_cert_hash }}"

- name: Every hash of a bundle (a list)
  ansible.builtin.set_fact:
    ca_hashes: "{{ lookup('ansible.builtin.file', 'ca-bundle.crt') | hardway.nodejoin.ca_cert_hash }}"
'''

RETURN = r'''
_value:
  description:
    - C(sha256:) followed by 64 lowercase hex digits for a single certificate.
    - A list of those, in order, when the input holds more than one certificate.
  type: raw
  sample: "sha256:0ad6cf5ef4f8de2c2cd1ab43d4b5b8d3a63d34fcb1f16d77cc0a9c7c05d2a6f1"
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    PKIError,
    ca_cert_hashes,
)


def ca_cert_hash(pem):
    """PEM text -> 'sha256:<hex>' (one certificate) or a list of them (a bundle)."""
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError('hardway.nodejoin.ca_cert_hash needs the Python cryptography library on the '
                                 'controller: %s' % to_native(CRYPTOGRAPHY_IMPORT_ERROR.strip().splitlines()[-1]))
    if not isinstance(pem, (str, bytes, bytearray)):
        raise AnsibleFilterError('hardway.nodejoin.ca_cert_hash expects PEM text, got %s' % type(pem).__name__)
    try:
        hashes = ca_cert_hashes(to_bytes(pem, errors='surrogate_or_strict'))
    except PKIError as exc:
        raise AnsibleFilterError('hardway.nodejoin.ca_cert_hash: %s' % to_native(exc))
    if len(hashes) == 1:
        return hashes[0]
    return hashes


class FilterModule(object):
    """hardway.nodejoin filters for PKI values."""

    def filters(self):
        return {
            'ca_cert_hash': ca_cert_hash,
        }
