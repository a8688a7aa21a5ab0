#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: x509_certificate
short_description: Ensure a private key and an X.509 certificate signed by a local CA
version_added: 0.1.0
description:
  - Ensures that O(privatekey_path) holds a private key and O(path) a certificate for that key,
    issued and signed by the CA in O(ca_cert_path) / O(ca_key_path), with the subject, key usages,
    extended key usages and subject alternative names asked for.
  - The certificate is kept as long as it still matches, that is same key, subject (CN and the set of O),
    issuer and a signature that verifies with the CA public key, key usages, extended key usages,
    SANs, not a CA certificate, already valid and not expiring within O(renew_before_days).
    Otherwise a new certificate is issued for the existing key; the reasons are returned in RV(reasons).
  - An existing private key is never replaced silently. When it cannot be read or its type/size/curve
    differs from O(key_type)/O(key_size)/O(curve), the module fails unless O(regenerate_key=true).
  - Certificates are version 3 with a random serial, C(not_before) five minutes in the past (clock skew),
    C(not_after) O(validity_days) days ahead, BasicConstraints C(CA:FALSE) (critical), KeyUsage (critical),
    ExtendedKeyUsage, SubjectAlternativeName, Subject and Authority Key Identifiers, signed with SHA-256
    (RFC 5280).
  - Files are written atomically (temporary file in the same directory, permissions set before the
    content is written, then renamed over the target).
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - cryptography >= 38.0.4 (python3-cryptography on Debian bookworm) on the managed host
extends_documentation_fragment:
  - ansible.builtin.files
options:
  path:
    description:
      - Where the PEM certificate is written.
    type: path
    required: true
  privatekey_path:
    description:
      - Where the PEM private key (PKCS#8, unencrypted) is kept.
      - An existing key is reused; a missing one is generated.
    type: path
    required: true
  ca_cert_path:
    description:
      - PEM file with the CA certificate (exactly one certificate) that signs O(path).
    type: path
    required: true
  ca_key_path:
    description:
      - PEM file with the unencrypted CA private key. It must belong to O(ca_cert_path).
    type: path
    required: true
  common_name:
    description:
      - Subject common name (CN). Kubernetes uses it as the user name.
    type: str
    required: true
  organizations:
    description:
      - Subject organizations (O), one attribute each. Kubernetes uses them as groups.
      - Compared as a set.
    type: list
    elements: str
    default: []
  key_usages:
    description:
      - KeyUsage bits (RFC 5280 section 4.2.1.3), marked critical.
      - Names in snake_case (V(digital_signature), V(key_encipherment), V(content_commitment), V(data_encipherment),
        V(key_agreement), V(key_cert_sign), V(crl_sign), V(encipher_only), V(decipher_only)); OpenSSL camelCase
        spellings such as V(digitalSignature) are accepted too.
      - An empty list leaves the extension out.
    type: list
    elements: str
    default: [digital_signature, key_encipherment]
  extended_key_usages:
    description:
      - ExtendedKeyUsage purposes (RFC 5280 section 4.2.1.12).
      - V(client_auth), V(server_auth), V(code_signing), V(email_protection), V(time_stamping), V(ocsp_signing)
        or a dotted OID. OpenSSL spellings such as V(clientAuth) are accepted too.
      - An empty list leaves the extension out.
    type: list
    elements: str
    default: [client_auth]
  subject_alt_names:
    description:
      - Subject alternative names, each V(DNS:name) or V(IP:address) (IPv4 or IPv6).
      - DNS names are compared case-insensitively, IP addresses after normalisation.
    type: list
    elements: str
    default: []
  validity_days:
    description:
      - Validity of a newly issued certificate, in days from now.
      - Changing it does not by itself reissue an existing certificate; it applies at the next renewal.
    type: int
    default: 365
  renew_before_days:
    description:
      - Reissue the certificate when it expires within this many days.
      - Must be smaller than O(validity_days), otherwise every run would reissue.
    type: int
    default: 30
  key_type:
    description:
      - Type of the private key.
    type: str
    choices: [rsa, ecdsa]
    default: rsa
  key_size:
    description:
      - RSA modulus size in bits. Ignored for O(key_type=ecdsa).
    type: int
    default: 2048
  curve:
    description:
      - ECDSA curve. Ignored for O(key_type=rsa).
    type: str
    choices: [secp256r1, secp384r1, secp521r1]
    default: secp256r1
  regenerate_key:
    description:
      - Generate a new private key (and issue a new certificate for it) on this run, even when the
        existing key is fine. This is a rotation switch and is not idempotent; pass it for one run
        (for example C(-e)) rather than leaving it in a play.
      - Also the only way to replace an existing key that cannot be loaded or whose type, size or curve
        differs from O(key_type), O(key_size) and O(curve); without it the module fails in that case.
    type: bool
    default: false
  mode:
    description:
      - Permissions of the certificate file O(path). See O(privatekey_mode) for the key.
      - Quote octal numbers (V('0644')).
    type: raw
    default: '0644'
  privatekey_mode:
    description:
      - Permissions of the private key file O(privatekey_path).
      - A new key file gets these permissions before any key material is written to it.
    type: raw
    default: '0600'
  owner:
    description:
      - Owner of both files.
  group:
    description:
      - Group of both files.
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Predicts the changed status exactly. When a new certificate would be issued, RV(serial) is V(null)
        and RV(not_after) is the predicted value.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff is a short text summary of the certificate (subject, issuer, not_after, serial, SANs, key type).
        Key material is never shown.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The CA private key is read on the managed host; it never travels to the controller.
  - Nothing is written when the CA key does not match the CA certificate.
  - The directories of O(path) and O(privatekey_path) must exist.
seealso:
  - module: hardway.nodejoin.ca_cert_hash
  - name: RFC 5280 Internet X.509 Public Key Infrastructure Certificate and CRL Profile
    description: Certificate fields and extensions used here.
    link: https://www.rfc-editor.org/rfc/rfc5280
  - name: Kubernetes PKI certificates and requirements
    description: The certificates a cluster needs, including apiserver-kubelet-client.
    link: https://kubernetes.io/docs/setup/best-practices/certificates/
'''

EXAMPLES = r'''
- name: Client certificate the API server uses to talk to kubelets
  hardway.nodejoin.x509_certificate:
    path: /etc/kubernetes/pki/apiserver-kubelet-client.crt
    privatekey_path: /etc/kubernetes/pki/apiserver-kubelet-client.key
    ca_cert_path: /etc/kubernetes/pki/ca.crt
    ca_key_path: /etc/kubernetes/pki/ca.key
    common_name: kube-apiserver-kubelet-client
    # no O: the CN is bound to system:kubelet-api-admin by RBAC (kubeadm 1.36 does the same);
    # organizations: [system:masters] would make it a superuser
    organizations: []
    key_usages:
      - digital_signature
      - key_encipherment
    extended_key_usages:
      - client_auth
    validity_days: 365
    renew_before_days: 30
  register: kubelet_client_cert

- name: Show why it was (re)issued
  ansible.builtin.debug:
    var: kubelet_client_cert.reasons
  when: kubelet_client_cert is changed

- name: Server certificate with SANs and an ECDSA P-256 key
  hardway.nodejoin.x509_certificate:
    path: /var/lib/kubelet/pki/kubelet.crt
    privatekey_path: /var/lib/kubelet/pki/kubelet.key
    ca_cert_path: /etc/kubernetes/pki/ca.crt
    ca_key_path: /etc/kubernetes/pki/ca.key
    common_name: "system:node:{{ inventory_hostname_short }}"
    organizations: ["system:nodes"]
    extended_key_usages: [server_auth]
    subject_alt_names:
      - "DNS:{{ inventory_hostname_short }}"
      - "IP:{{ ansible_default_ipv4.address }}"
    key_type: ecdsa
    owner: root
    group: root
'''

RETURN = r'''
changed:
  description: Whether the key, the certificate or their file attributes were (or in check mode would be) changed.
  returned: always
  type: bool
reasons:
  description:
    - Why the key was generated or the certificate issued. Empty when both were kept
      (a change of file attributes alone has no reason listed).
  returned: always
  type: list
  elements: str
  sample:
    - "subject common name is 'kube-apiserver', spec wants 'kube-apiserver-kubelet-client'"
serial:
  description:
    - Serial number of the certificate, as a decimal string.
    - V(null) in check mode when a new certificate would be issued.
  returned: always
  type: str
  sample: "529870133468934757209785411938262341632791380167"
not_after:
  description: End of the certificate's validity, ISO 8601 UTC (predicted in check mode when it would be issued).
  returned: always
  type: str
  sample: "2026-05-01T10:15:00Z"
subject:
  description: Subject of the certificate as an RFC 4514 string.
  returned: always
  type: str
  sample: "CN=kube-apiserver-kubelet-client"
ca_cert_hash:
  description:
    - Hash of the signing CA certificate's public key in kubeadm's C(--discovery-token-ca-cert-hash) format
      (SHA-256 over the DER SubjectPublicKeyInfo, RFC 7469).
  returned: always
  type: str
  sample: "sha256:0ad6cf5ef4f8de2c2cd1ab43d4b5b8d3a63d34fcb1f16d77cc0a9c7c05d2a6f1"
certificate_path:
  description: O(path).
  returned: always
  type: str
  sample: /etc/kubernetes/pki/apiserver-kubelet-client.crt
privatekey_path:
  description: O(privatekey_path).
  returned: always
  type: str
  sample: /etc/kubernetes/pki/apiserver-kubelet-client.key
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils import _x509_plan
from ansible_collections.hardway.nodejoin.plugins.module_utils._files import read_file, write_file
from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    PKIError,
    CertificateSpec,
    ca_cert_hash,
    certificate_info,
    certificate_to_pem,
    generate_private_key,
    issue_certificate,
    private_key_to_pem,
    utcnow,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            privatekey_path=dict(type='path', required=True, no_log=False),
            ca_cert_path=dict(type='path', required=True),
            ca_key_path=dict(type='path', required=True, no_log=False),
            common_name=dict(type='str', required=True),
            organizations=dict(type='list', elements='str', default=[]),
            key_usages=dict(type='list', elements='str', default=['digital_signature', 'key_encipherment']),
            extended_key_usages=dict(type='list', elements='str', default=['client_auth']),
            subject_alt_names=dict(type='list', elements='str', default=[]),
            validity_days=dict(type='int', default=365),
            renew_before_days=dict(type='int', default=30),
            key_type=dict(type='str', choices=['rsa', 'ecdsa'], default='rsa'),
            key_size=dict(type='int', default=2048),
            curve=dict(type='str', choices=['secp256r1', 'secp384r1', 'secp521r1'], default='secp256r1'),
            regenerate_key=dict(type='bool', default=False, no_log=False),
            mode=dict(type='raw', default='0644'),
            privatekey_mode=dict(type='raw', default='0600', no_log=False),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography >= 38.0.4'), exception=CRYPTOGRAPHY_IMPORT_ERROR)

    params = module.params
    cert_path = params['path']
    key_path = params['privatekey_path']
    renew_before_days = params['renew_before_days']

    if os.path.realpath(cert_path) == os.path.realpath(key_path):
        module.fail_json(msg='path and privatekey_path must be different files')
    for file_path in (cert_path, key_path):
        directory = os.path.dirname(os.path.abspath(file_path))
        if not os.path.isdir(directory):
            module.fail_json(msg='directory %s (for %s) does not exist' % (directory, file_path))
        if os.path.exists(file_path) and not os.path.isfile(file_path):
            module.fail_json(msg='%s exists and is not a regular file' % file_path)

    try:
        dns_names, ip_addresses = _x509_plan.parse_sans(params['subject_alt_names'])
        spec = CertificateSpec(
            common_name=params['common_name'],
            organizations=params['organizations'],
            key_usages=params['key_usages'],
            extended_key_usages=params['extended_key_usages'],
            dns_names=dns_names,
            ip_addresses=ip_addresses,
            validity_days=params['validity_days'],
            key_type=params['key_type'],
            key_size=params['key_size'],
            curve=params['curve'],
        )
    except PKIError as exc:
        module.fail_json(msg=to_native(exc))
    if renew_before_days < 0:
        module.fail_json(msg='renew_before_days must not be negative')
    if renew_before_days >= spec.validity_days:
        module.fail_json(msg='renew_before_days (%d) must be smaller than validity_days (%d), '
                             'otherwise every run would reissue the certificate'
                             % (renew_before_days, spec.validity_days))

    try:
        ca_cert, ca_key = _x509_plan.load_ca_pair(read_file(module, params['ca_cert_path'], 'CA certificate'),
                                                  read_file(module, params['ca_key_path'], 'CA private key'),
                                                  params['ca_cert_path'], params['ca_key_path'])
    except PKIError as exc:
        module.fail_json(msg=to_native(exc))

    now = utcnow()
    try:
        plan = _x509_plan.plan(spec, read_file(module, key_path, 'private key', missing_ok=True),
                               read_file(module, cert_path, 'certificate', missing_ok=True), ca_cert, renew_before_days,
                               regenerate_key=params['regenerate_key'], now=now, key_path=key_path, cert_path=cert_path)
    except PKIError as exc:
        module.fail_json(msg=to_native(exc))

    key, new_cert = plan.key, None
    if plan.issue and not module.check_mode:
        try:
            if plan.new_key:
                key = generate_private_key(spec.key_type, spec.key_size, spec.curve)
            new_cert = issue_certificate(spec, key.public_key(), ca_cert, ca_key, now=now)
        except PKIError as exc:
            module.fail_json(msg=to_native(exc))
        if plan.new_key:
            write_file(module, key_path, private_key_to_pem(key), params['privatekey_mode'])
        write_file(module, cert_path, certificate_to_pem(new_cert), params['mode'])

    # --- file attributes ---------------------------------------------------
    changed = plan.issue
    key_args = module.load_file_common_arguments(params, path=key_path)
    key_args['mode'] = params['privatekey_mode']
    cert_args = module.load_file_common_arguments(params, path=cert_path)
    cert_args['mode'] = params['mode']
    for file_args in (key_args, cert_args):
        if os.path.exists(file_args['path']):
            changed = module.set_fs_attributes_if_different(file_args, changed)

    # --- result ------------------------------------------------------------
    out = _x509_plan.outcome(plan, spec, ca_cert, key=key, new_cert=new_cert, now=now)
    ca_not_after = certificate_info(ca_cert)['not_after']
    if ca_not_after < out['not_after']:
        module.warn('the CA certificate %s expires at %s, before this certificate (%s)'
                    % (params['ca_cert_path'], ca_not_after, out['not_after']))

    result = dict(
        changed=changed,
        reasons=plan.reasons,
        serial=out['serial'],
        not_after=out['not_after'],
        subject=out['subject'],
        ca_cert_hash=ca_cert_hash(ca_cert),
        certificate_path=cert_path,
        privatekey_path=key_path,
    )
    if module._diff:
        result['diff'] = dict(before=plan.before, after=out['after'],
                              before_header='%s (summary)' % cert_path,
                              after_header='%s (summary)' % cert_path)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
