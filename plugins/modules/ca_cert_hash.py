#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ca_cert_hash
short_description: Compute kubeadm's discovery-token-ca-cert-hash of CA certificates
version_added: 0.1.0
description:
  - Reads a PEM CA certificate (or a bundle of them) from a file on the managed host or from
    O(content), and returns the public key hash that C(kubeadm join --discovery-token-ca-cert-hash)
    expects, C(sha256:<hex>).
  - The hash is SHA-256 over the DER-encoded SubjectPublicKeyInfo of the certificate (the public key
    pin of RFC 7469, hex encoded), the same as
    C(openssl x509 -pubkey -noout -in ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex).
  - Never changes anything.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - cryptography >= 38.0.4 (python3-cryptography on Debian bookworm) on the managed host
options:
  path:
    description:
      - PEM file with one or more certificates, read on the managed host.
      - Exactly one of O(path) and O(content) is required.
    type: path
  content:
    description:
      - PEM text with one or more certificates.
      - Exactly one of O(path) and O(content) is required.
    type: str
extends_documentation_fragment:
  - hardway.nodejoin.read_only_attributes
seealso:
  - plugin: hardway.nodejoin.ca_cert_hash
    plugin_type: filter
  - module: hardway.nodejoin.x509_certificate
  - name: kubeadm join, token-based discovery with CA pinning
    description: Where the hash is used.
    link: https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/
'''

EXAMPLES = r'''
- name: Hash of the cluster CA, for kubeadm join
  hardway.nodejoin.ca_cert_hash:
    path: /etc/kubernetes/pki/ca.crt
  register: ca

- name: Print the join flag
  ansible.builtin.debug:
    msg: "--discovery-token-ca-cert-hash {{ ca.hash }}"

- name: Hashes of a bundle given inline
  hardway.nodejoin.ca_cert_hash:
    content: "{{ lookup('ansible.builtin.file', 'files/ca-bundle.crt') }}"
  delegate_to: localhost
  register: bundle
'''

RETURN = r'''
hashes:
  description: One C(sha256:<hex>) value per certificate, in the order they appear in the PEM data.
  returned: success
  type: list
  elements: str
  sample:
    - "sha256:0ad6cf5ef4f8de2c2cd1ab43d4b5b8d3a63d34fcb1f16d77cc0a9c7c05d2a6f1"
hash:
  description: The first element of RV(hashes).
  returned: success
  type: str
  sample: "sha256:0ad6cf5ef4f8de2c2cd1ab43d4b5b8d3a63d34fcb1f16d77cc0a9c7c05d2a6f1"
'''


from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    PKIError,
    ca_cert_hashes,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path'),
            content=dict(type='str'),
        ),
        mutually_exclusive=[('path', 'content')],
        required_one_of=[('path', 'content')],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography >= 38.0.4'), exception=CRYPTOGRAPHY_IMPORT_ERROR)

    if module.params['path'] is not None:
        source = module.params['path']
        try:
            with open(source, 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot read %s: %s' % (source, to_native(exc)))
    else:
        source = 'content'
        data = to_bytes(module.params['content'], errors='surrogate_or_strict')

    try:
        hashes = ca_cert_hashes(data)
    except PKIError as exc:
        module.fail_json(msg='%s: %s' % (source, to_native(exc)))

    module.exit_json(changed=False, hashes=hashes, hash=hashes[0])


if __name__ == '__main__':
    main()
