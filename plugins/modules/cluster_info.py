#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_info
short_description: Discover the cluster CA from kube-public/cluster-info, verified by a bootstrap token and CA pinning
version_added: 0.1.0
description:
  - Token discovery as C(kubeadm join --discovery-token-ca-cert-hash) does it, for a worker that does
    not have the cluster CA yet.
  - Fetches the ConfigMap C(kube-public/cluster-info) anonymously over TLS without trusting the server,
    waits for the bootstrapsigner's detached JWS C(jws-kubeconfig-<token-id>), verifies it with the
    bootstrap token (HS256, key = token-secret), then checks the CA in the ConfigMap's kubeconfig
    against O(ca_cert_hashes) (sha256 of the SubjectPublicKeyInfo, RFC 7469).
  - Then fetches C(cluster-info) a second time, verifying TLS with the discovered CA, and requires
    the same kubeconfig, so the CA is proven to belong to the server answering.
  - Needs C(--controllers=*,bootstrapsigner,tokencleaner) on kube-controller-manager, a token with the
    C(signing) usage, and anonymous read of C(cluster-info) (kube-apiserver C(--anonymous-auth=true)
    plus the kubeadm Role/RoleBinding C(kubeadm:bootstrap-signer-clusterinfo)). The token is never
    sent to the unverified server.
  - Only reads; changes nothing.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - cryptography, PyJWT and PyYAML (Python libraries) on the host that runs the module
options:
  api_server:
    description: API server URL, C(https://host:port); C(http://) is refused.
    type: str
    required: true
  token:
    description: The bootstrap token C(<token-id>.<token-secret>).
    type: str
    required: true
  ca_cert_hashes:
    description:
      - Pins C(sha256:<hex>) (as printed by C(hardway.nodejoin.ca_cert_hash)); discovery succeeds if
        a CA certificate in cluster-info matches any of them, and returns only the certificates that match.
    type: list
    elements: str
    default: []
  unsafe_skip_ca_verification:
    description:
      - Accept whatever CA cluster-info holds once its JWS verifies, without pinning. Anyone who can
        answer in place of the API server and knows the token could then pose as the cluster.
    type: bool
    default: false
  timeout:
    description:
      - Seconds the whole discovery may take (waiting for cluster-info and its JWS for this token, and
        the second, verified fetch); each request gets the time that is left.
      - An answer larger than 1 MiB is refused.
    type: int
    default: 60
  poll_interval:
    description: Seconds between attempts.
    type: float
    default: 1
extends_documentation_fragment:
  - hardway.nodejoin.read_only_attributes
seealso:
  - name: kubeadm join, discovery
    description: Discovering what cluster CA to trust.
    link: https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/
"""

EXAMPLES = r"""
- name: Discover and pin the cluster CA
  hardway.nodejoin.cluster_info:
    api_server: https://10.0.0.10:6443
    token: "{{ bootstrap_token }}"
    ca_cert_hashes:
      - sha256:7c3e5c4b5f6c1a0d8f0e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60
  register: discovered
  no_log: true

- name: Write it
  ansible.builtin.copy:
    content: "{{ discovered.ca_cert }}"
    dest: /etc/kubernetes/pki/ca.crt
    mode: "0644"
"""

RETURN = r"""
ca_cert:
  description: The verified cluster CA certificate(s) that match a pin, PEM (others in cluster-info are left out).
  returned: success
  type: str
  sample: |
    -----BEGIN CERTIFICATE-----
    MIIDBTCCAe2gAwIBAgIIY...
    -----END CERTIFICATE-----
ca_cert_hashes:
  description: Hashes of the CA certificates found (one per certificate).
  returned: success
  type: list
  elements: str
  sample: ["sha256:7c3e5c4b5f6c1a0d8f0e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60"]
server:
  description: The API server URL that cluster-info announces.
  returned: success
  type: str
  sample: https://10.77.0.10:6443
token_id:
  description: token-id whose JWS was verified.
  returned: success
  type: str
  sample: abcdef
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 0.2
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hardway.nodejoin.plugins.module_utils import _discovery
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import Deadline


def main():
    module = AnsibleModule(
        argument_spec=dict(
            api_server=dict(type="str", required=True),
            token=dict(type="str", required=True, no_log=True),
            ca_cert_hashes=dict(type="list", elements="str", default=[]),
            unsafe_skip_ca_verification=dict(type="bool", default=False),
            timeout=dict(type="int", default=60),
            poll_interval=dict(type="float", default=1),
        ),
        supports_check_mode=True,
    )
    p = module.params
    missing = _discovery.missing_libraries()
    if missing:
        module.fail_json(msg="%s (Debian: python3-cryptography, python3-jwt, python3-yaml)"
                             % missing_required_lib(", ".join(missing)))
    clock = Deadline(p["timeout"])
    try:
        found = _discovery.discover(p["api_server"], p["token"], p["ca_cert_hashes"], p["timeout"],
                                    interval=p["poll_interval"],
                                    unsafe_skip_ca_verification=p["unsafe_skip_ca_verification"])
    except _discovery.DiscoveryError as exc:
        module.fail_json(msg=str(exc), elapsed=round(clock.elapsed(), 2), **exc.details)
    module.exit_json(changed=False, ca_cert=found["ca_cert"], ca_cert_hashes=found["found_hashes"],
                     server=found["server"], token_id=found["token_id"], elapsed=round(clock.elapsed(), 2))


if __name__ == "__main__":
    main()
