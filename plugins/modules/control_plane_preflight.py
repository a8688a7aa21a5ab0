#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: control_plane_preflight
short_description: Check a control plane host before a join changes it, in one module run
version_added: 0.2.0
description:
  - Everything the control_plane role must know about a control plane host before it changes anything, read in one
    module run on that host (each module run costs a Python start and an SSH round trip; the role ran five for this).
  - The API server answers with the admin credentials (C(/version)).
  - The cluster CA certificate and private key can be read and belong together, and what a C(x509_certificate) run
    would do with the kube-apiserver kubelet client certificate (O(kubelet_client)), without writing.
  - For each of O(services), the file systemd really starts it from (the fragment or the drop-in whose C(ExecStart=)
    is in effect, as M(hardway.nodejoin.systemd_unit_info) finds it), that its flags can be edited there, and which
    of the flags wanted are missing on the running process.
  - Never changes anything; check mode does the same.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
options:
  ca_cert_path:
    description: The cluster CA certificate (PEM). Its content is returned in RV(ca_cert).
    type: path
    required: true
  ca_key_path:
    description: The cluster CA private key (PEM), which must be the key of O(ca_cert_path).
    type: path
    required: true
  kubelet_client:
    description:
      - The certificate kube-apiserver presents to kubelets, as the role's C(x509_certificate) task asks for it. The
        module says whether that task would issue a new one, and why (RV(kubelet_client)).
    type: dict
    suboptions:
      path:
        description: The certificate file.
        type: path
        required: true
      privatekey_path:
        description: The private key file.
        type: path
        required: true
      common_name:
        description: Subject CN.
        type: str
        required: true
      organizations:
        description: Subject O values (Kubernetes reads them as groups).
        type: list
        elements: str
        default: []
      extended_key_usages:
        description: Extended key usages.
        type: list
        elements: str
        default: [client_auth]
      validity_days:
        description: Days a new certificate is valid.
        type: int
        default: 365
      renew_before_days:
        description: Days before the end of validity within which the certificate is reissued.
        type: int
        default: 30
  services:
    description: The systemd services to find and compare with the flags they should run with.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The service, with or without C(.service).
        type: str
        required: true
      expect_running_flags:
        description: Flags (C(--name) to value) the running process should have; those it lacks are in C(missing).
        type: dict
        default: {}
seealso:
  - module: hardway.nodejoin.systemd_unit_info
  - module: hardway.nodejoin.x509_certificate
  - module: hardway.nodejoin.node_preflight
"""

EXAMPLES = r"""
- name: The control plane host, before anything changes
  hardway.nodejoin.control_plane_preflight:
    kubeconfig: /etc/kubernetes/admin.conf
    ca_cert_path: /etc/kubernetes/pki/ca.crt
    ca_key_path: /etc/kubernetes/pki/ca.key
    kubelet_client:
      path: /etc/kubernetes/pki/apiserver-kubelet-client.crt
      privatekey_path: /etc/kubernetes/pki/apiserver-kubelet-client.key
      common_name: kube-apiserver-kubelet-client
    services:
      - name: kube-apiserver
        expect_running_flags:
          --enable-bootstrap-token-auth: "true"
      - name: kube-controller-manager
  register: control_plane
"""

RETURN = r"""
server_version:
  description: The API server's C(gitVersion).
  returned: success
  type: str
  sample: v1.36.3
ca_cert:
  description: The cluster CA certificate (or bundle), PEM, as read from O(ca_cert_path).
  returned: success
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl...\n-----END CERTIFICATE-----\n"
kubelet_client:
  description: What the role's C(x509_certificate) run would do with O(kubelet_client).
  returned: when O(kubelet_client) is given
  type: dict
  contains:
    issue:
      description: Whether a new certificate would be issued.
      type: bool
      sample: false
    reasons:
      description: Why (empty when the certificate is kept).
      type: list
      elements: str
      sample: ["the certificate /etc/kubernetes/pki/apiserver-kubelet-client.crt does not exist"]
    modes_ok:
      description: Whether the certificate is mode 0644 and its key 0600 (what C(x509_certificate) would set).
      type: bool
      sample: true
services:
  description:
    - Each service of O(services) by the name given, with what M(hardway.nodejoin.systemd_unit_info) returns
      (C(exec_start_path), C(running_flags), C(main_pid), C(main_started), C(editable), ...), C(missing), the flags of
      its C(expect_running_flags) the running process lacks or has with another value (all of them when it does not run),
      and C(file_changes), what M(hardway.nodejoin.systemd_unit_flags) would change in C(exec_start_path) to have them
      (C(flag), C(before), C(after), C(action); empty when the file has them).
  returned: success
  type: dict
  sample:
    kube-apiserver:
      exec_start_path: /etc/systemd/system/kube-apiserver.service
      main_pid: 812
      running_flags: {"--enable-bootstrap-token-auth": "true"}
      missing: []
      file_changes: []
"""

import os
import stat

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _systemd_unit
from ansible_collections.hardway.nodejoin.plugins.module_utils import _unit_resolve as ur
from ansible_collections.hardway.nodejoin.plugins.module_utils import _x509_plan
from ansible_collections.hardway.nodejoin.plugins.module_utils._files import read_file
from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    PKIError,
    CertificateSpec,
)


def check_service(module, name, wanted):
    """What :func:`_unit_resolve.inspect_service` finds for the service ``name``, and the flags of
    ``wanted`` (dict, ``--flag`` to value) its running process lacks (``missing``: list of dicts
    ``{flag, wanted, running}``; every flag of ``wanted`` when the service does not run).
    Fails the module when the unit is not loaded, or its ``ExecStart=`` takes flags from
    environment variables (then its flags cannot be edited there), or ``wanted`` is malformed."""
    unit, info = ur.inspect_service(module, name)
    argv = info.pop("running_argv")
    problem = ur.unusable(unit, info, require_editable=True)
    if problem:
        module.fail_json(msg=problem)
    try:
        wanted = dict(_systemd_unit.normalise_flags(wanted or {}))
    except _systemd_unit.UnitFileError as exc:
        module.fail_json(msg="services[%s].expect_running_flags: %s" % (name, exc))
    info["missing"] = ur.running_missing(info["main_pid"], argv, wanted)
    # what systemd_unit_flags would change in that file (the same pure edit, nothing written)
    try:
        with open(info["exec_start_path"], "rb") as handle:
            text = handle.read().decode("utf-8", "surrogateescape")
        info["file_changes"] = _systemd_unit.edit_flags(text, present=wanted)[1]
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (info["exec_start_path"], to_native(exc)))
    except _systemd_unit.UnitFileError as exc:
        module.fail_json(msg="%s: %s" % (info["exec_start_path"], to_native(exc)))
    return info


def file_mode(path):
    """The permission bits of ``path`` (int), or ``None`` when it does not exist."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def main():
    kube = _kube.KubeModule(dict(
        ca_cert_path=dict(type="path", required=True),
        ca_key_path=dict(type="path", required=True, no_log=False),
        kubelet_client=dict(type="dict", options=dict(
            path=dict(type="path", required=True),
            privatekey_path=dict(type="path", required=True, no_log=False),
            common_name=dict(type="str", required=True),
            organizations=dict(type="list", elements="str", default=[]),
            extended_key_usages=dict(type="list", elements="str", default=["client_auth"]),
            validity_days=dict(type="int", default=365),
            renew_before_days=dict(type="int", default=30),
        )),
        services=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            expect_running_flags=dict(type="dict", default={}),
        )),
    ), supports_check_mode=True)
    p = kube.params
    module = kube.module
    if not HAS_CRYPTOGRAPHY:
        kube.fail("the cryptography library is missing on this host: %s" % CRYPTOGRAPHY_IMPORT_ERROR)

    # the files and units first: they fail without a network round trip
    ca_pem = read_file(module, p["ca_cert_path"], "the CA certificate")
    try:
        ca_cert, _ca_key = _x509_plan.load_ca_pair(ca_pem, read_file(module, p["ca_key_path"], "the CA private key"),
                                                   p["ca_cert_path"], p["ca_key_path"])
    except PKIError as exc:
        kube.fail(to_native(exc))
    result = dict(changed=False, ca_cert=to_native(ca_pem))

    wanted = p["kubelet_client"]
    if wanted:
        try:
            spec = CertificateSpec(common_name=wanted["common_name"], organizations=wanted["organizations"],
                                   extended_key_usages=wanted["extended_key_usages"],
                                   validity_days=wanted["validity_days"])
            if not 0 <= wanted["renew_before_days"] < spec.validity_days:
                raise PKIError("kubelet_client.renew_before_days (%d) must be at least 0 and smaller than "
                               "validity_days (%d)" % (wanted["renew_before_days"], spec.validity_days))
            plan = _x509_plan.plan(spec, read_file(module, wanted["privatekey_path"], "private key", missing_ok=True),
                                   read_file(module, wanted["path"], "certificate", missing_ok=True), ca_cert,
                                   wanted["renew_before_days"], key_path=wanted["privatekey_path"],
                                   cert_path=wanted["path"])
        except PKIError as exc:
            kube.fail("kubelet client certificate %s: %s" % (wanted["path"], to_native(exc)), **result)
        # x509_certificate's default modes (the role sets no others)
        modes_ok = file_mode(wanted["path"]) == 0o644 and file_mode(wanted["privatekey_path"]) == 0o600
        result["kubelet_client"] = dict(issue=plan.issue, reasons=plan.reasons, modes_ok=modes_ok)

    result["services"] = dict((svc["name"], check_service(module, svc["name"], svc["expect_running_flags"]))
                              for svc in p["services"])

    def body():
        result["server_version"] = kube.server_version()
        return result

    kube.run(body)


if __name__ == "__main__":
    main()
