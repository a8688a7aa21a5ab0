#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_preflight
short_description: Check a worker before it joins, and report what its kubelet really runs with
version_added: 0.2.0
description:
  - Run on a worker before anything on it changes. Changes nothing.
  - Finds what systemd really runs for the kubelet (its unit and drop-ins, the running process) and from that
    the kubelet's configuration (C(--config) file and C(--config-dir) drop-ins), its kubeconfig and the
    name it registers its Node under (C(--hostname-override), C(hostnameOverride), else the hostname,
    lowercased as the kubelet does).
  - Checks that the API server answers from this host over TLS verified with the CA about to be trusted
    (an HTTP 401 or 403 counts as an answer), the bootstrap token authenticates (a C(SelfSubjectReview),
    authentication.k8s.io/v1, sent with the token itself), the clock is within O(max_clock_skew) seconds of
    the API server's, the kubelet is not newer than the API server nor too old, the container runtime
    socket answers, the kubelet's C(cgroupDriver) matches containerd's C(SystemdCgroup), and swap is off
    while the kubelet's C(failSwapOn) holds.
  - Fails with every problem found in one message that says what to fix. The token secret never appears
    in a message or a return value.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
extends_documentation_fragment:
  - hardway.nodejoin.read_only_attributes
options:
  api_server:
    description: The API server URL the kubelet will use (C(https://host:port)).
    type: str
    required: true
  ca_cert:
    description:
      - The cluster CA certificate (PEM text) the worker is about to trust. The API server's certificate is
        verified with it.
      - Without it (token discovery, before the CA is known) the API server is only checked for an answer,
        without verifying TLS.
    type: str
  token:
    description: The bootstrap token C(<token-id>.<token-secret>) to check. Without it no token check is made.
    type: str
  server_version:
    description: The API server's version (C(v1.36.3)), when known from the control plane; else read from
      C(/version) when the server allows it.
    type: str
  max_clock_skew:
    description: Seconds this host's clock may differ from the API server's C(Date).
    type: int
    default: 30
  kubelet_service:
    description: The kubelet's systemd service.
    type: str
    default: kubelet
  kubelet_binary:
    description: The kubelet executable, used for its version when the kubelet does not run.
    type: path
    default: /usr/local/bin/kubelet
  kubelet_kubeconfig:
    description: Where the kubelet keeps its kubeconfig when its command line does not say (C(--kubeconfig)).
    type: path
    default: /etc/kubernetes/kubelet.conf
  node_name:
    description: The node name, when the kubelet will get it from a C(--hostname-override) this run adds.
    type: str
  container_runtime_endpoint:
    description: The container runtime's socket.
    type: path
    default: /run/containerd/containerd.sock
  skip:
    description: Names of checks to leave out.
    type: list
    elements: str
    choices: [api_server, token, clock, version, runtime, cgroup_driver, swap]
    default: []
  timeout:
    description: Seconds for each request to the API server.
    type: int
    default: 10
  kubelet_api:
    description:
      - The kubelet API settings the join will write (C(anonymous), C(webhook), C(authorization)). A kubelet
        command line flag that would override them with a weaker value (C(--anonymous-auth=true),
        C(--authorization-mode=AlwaysAllow), C(--read-only-port) other than 0, ...) is a problem, since a flag
        wins over every configuration file.
    type: dict
seealso:
  - module: hardway.nodejoin.systemd_unit_info
  - name: kubeadm join preflight
    description: The checks kubeadm makes before a join.
    link: https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/
"""

EXAMPLES = r"""
- name: Preflight (nothing changes yet)
  hardway.nodejoin.node_preflight:
    api_server: https://10.0.0.10:6443
    ca_cert: "{{ lookup('ansible.builtin.file', 'ca.crt') }}"
  register: preflight

- name: The bootstrap token authenticates, asked from the worker
  hardway.nodejoin.node_preflight:
    api_server: https://10.0.0.10:6443
    ca_cert: "{{ lookup('ansible.builtin.file', 'ca.crt') }}"
    token: "{{ bootstrap_token }}"
  no_log: true
"""

RETURN = r"""
node_name:
  description: The name the kubelet registers its Node under.
  returned: always
  type: str
  sample: worker1
hostname:
  description: The machine's hostname.
  returned: always
  type: str
  sample: worker1
machine_id:
  description: The content of C(/etc/machine-id).
  returned: always
  type: str
  sample: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
kubelet:
  description: What the kubelet runs with.
  returned: always
  type: dict
  sample:
    unit_loaded: true
    running: true
    exec_start_path: /etc/systemd/system/kubelet.service
    editable: true
    flags: {"--config-dir": "/var/lib/kubelet/config.d/"}
    config_files: [/var/lib/kubelet/config.d/10-base.conf]
    kubeconfig: /etc/kubernetes/kubelet.conf
    kubeconfig_exists: false
    version: v1.36.3
    api: {anonymous: false, webhook: true, authorization: Webhook, read_only_port: 0}
    cgroup_driver: cgroupfs
server:
  description: What the API server answered.
  returned: always
  type: dict
  sample: {url: "https://10.0.0.10:6443", status: 401, version: v1.36.3, clock_skew: -0.4}
token:
  description: Who the token authenticates as (never the secret).
  returned: when O(token) is given
  type: dict
  sample: {token_id: abcdef, username: "system:bootstrap:abcdef", groups: ["system:bootstrappers"]}
problems:
  description: What the checks found wrong (the module fails when it is not empty).
  returned: always
  type: list
  elements: str
  sample: []
"""

import datetime
import glob
import json
import os
import socket
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import open_url
from ansible_collections.hardway.nodejoin.plugins.module_utils import _preflight as pf
from ansible_collections.hardway.nodejoin.plugins.module_utils import _unit_resolve as ur

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover
    HAS_YAML = False

SELF_SUBJECT_REVIEW = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def _kubelet_config(module, flags):
    """(merged config, files read) of the kubelet's --config and --config-dir drop-ins."""
    files = []
    if flags.get("--config"):
        files.append(flags["--config"])
    if flags.get("--config-dir"):
        files.extend(sorted(glob.glob(os.path.join(flags["--config-dir"], "*.conf"))))
    docs = []
    for path in files:
        if not os.path.exists(path):
            continue
        try:
            docs.append(yaml.safe_load(ur.read_text(path)))
        except (IOError, OSError, yaml.YAMLError) as exc:
            module.fail_json(msg="cannot read the kubelet configuration %s: %s" % (path, exc))
    return pf.merge_config(docs), [f for f in files if os.path.exists(f)]


def _request(url, ca_path, timeout, method="GET", data=None, token=None):
    """(status, headers, body_text) of one request; HTTP errors are answers, not exceptions."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if data is not None:
        headers["Content-Type"] = "application/json"
    try:
        response = open_url(url, method=method, data=data, headers=headers, timeout=timeout,
                            validate_certs=ca_path is not None, ca_path=ca_path, use_proxy=False,
                            follow_redirects="none")
        return response.getcode(), response.headers, to_text(response.read(1024 * 1024))
    except Exception as exc:  # HTTPError carries an answer; the rest are transport errors
        code = getattr(exc, "code", None)
        if code:
            body = ""
            try:
                body = to_text(exc.read(1024 * 1024))
            except Exception:
                pass
            return code, getattr(exc, "headers", {}) or {}, body
        raise


def _transport_message(url, exc, verified):
    text = to_native(getattr(exc, "reason", None) or exc)
    if "certificate has expired" in text or "not yet valid" in text:
        return ("TLS to %s failed: %s. Either this worker's clock is wrong (check it against the API server's: "
                "timedatectl) or the API server's certificate has expired" % (url, text))
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return ("TLS to %s failed: %s. The CA the worker is about to trust did not sign the API server's "
                "certificate, or the address is not among its SANs: check worker_api_server and the CA" % (url, text))
    return ("cannot reach the API server %s from this worker%s: %s. Check worker_api_server (host and port) and "
            "that kube-apiserver runs" % (url, "" if verified else " (TLS not verified yet)", text))


def _check_server(module, p, result, problems, ca_path):
    base = p["api_server"].rstrip("/")
    result["server"] = server = dict(url=base, status=None, version=p["server_version"], clock_skew=None)
    try:
        # anonymous: the token goes only to the SelfSubjectReview, over verified TLS
        status, headers, body = _request(base + "/version", ca_path, p["timeout"])
    except Exception as exc:
        problems.append(_transport_message(base, exc, ca_path is not None))
        return False
    server["status"] = status
    if status == 200:
        try:
            server["version"] = json.loads(body).get("gitVersion") or server["version"]
        except ValueError:
            pass
    elif status not in (401, 403):
        problems.append("the API server %s answered /version with HTTP %s: is this the API server's URL?"
                        % (base, status))
    skew = pf.clock_skew_seconds(headers.get("Date") if headers else None,
                                 datetime.datetime.now(datetime.timezone.utc))
    server["clock_skew"] = None if skew is None else round(skew, 1)
    if "clock" not in p["skip"]:
        _add(problems, pf.clock_skew_problem(skew, p["max_clock_skew"]))
    return True


def _check_token(module, p, result, problems, ca_path):
    token = p["token"]
    parts = token.split(".")
    if len(parts) != 2 or len(parts[0]) != 6 or len(parts[1]) != 16:
        problems.append("the bootstrap token is malformed: expected <token-id>.<token-secret> "
                        "([a-z0-9]{6}.[a-z0-9]{16}); make one with the control_plane role")
        return
    token_id = parts[0]
    if ca_path is None:
        problems.append("bootstrap token %s: a token is only sent over TLS verified with the cluster CA; give ca_cert"
                        % token_id)
        return
    # authentication.k8s.io/v1 (GA in 1.28), else v1beta1 (1.27)
    for version in ("v1", "v1beta1"):
        url = p["api_server"].rstrip("/") + SELF_SUBJECT_REVIEW.replace("/v1/", "/%s/" % version)
        body = json.dumps({"apiVersion": "authentication.k8s.io/" + version, "kind": "SelfSubjectReview"})
        try:
            status, _headers, text = _request(url, ca_path, p["timeout"], method="POST", data=body, token=token)
        except Exception as exc:
            problems.append(_transport_message(p["api_server"], exc, ca_path is not None))
            return
        if status != 404:
            break
    try:
        answer = json.loads(text) if text else None
    except ValueError:
        answer = None
    problem, user = pf.token_review_problem(status, answer, token_id, p["api_server"])
    result["token"] = dict(token_id=token_id, username=user.get("username"), groups=user.get("groups") or [])
    _add(problems, problem)


def _check_runtime(p, problems):
    path = p["container_runtime_endpoint"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect(path)
    except (IOError, OSError) as exc:
        problems.append("the container runtime does not answer on %s (%s): start containerd "
                        "(systemctl start containerd)" % (path, exc))
    finally:
        sock.close()


def _add(problems, problem):
    if problem:
        problems.append(problem)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            api_server=dict(type="str", required=True),
            ca_cert=dict(type="str"),
            token=dict(type="str", no_log=True),
            server_version=dict(type="str"),
            max_clock_skew=dict(type="int", default=30),
            kubelet_service=dict(type="str", default="kubelet"),
            kubelet_binary=dict(type="path", default="/usr/local/bin/kubelet"),
            kubelet_kubeconfig=dict(type="path", default="/etc/kubernetes/kubelet.conf"),
            node_name=dict(type="str"),
            container_runtime_endpoint=dict(type="path", default="/run/containerd/containerd.sock"),
            skip=dict(type="list", elements="str", default=[],
                      choices=["api_server", "token", "clock", "version", "runtime", "cgroup_driver", "swap"]),
            timeout=dict(type="int", default=10),
            kubelet_api=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML (Debian: python3-yaml)"))
    p = module.params
    if not p["api_server"].startswith("https://"):
        module.fail_json(msg="api_server must be an https:// URL, got %r" % p["api_server"])
    problems = []

    unit = ur.inspect_service(module, p["kubelet_service"])[1]
    argv = unit.get("running_argv") or []
    flags = unit["running_flags"] if argv else unit.get("exec_start_flags") or {}
    config, config_files = _kubelet_config(module, flags)
    # joined means the kubelet runs (or will run) with a kubeconfig that exists, not a leftover file
    kubeconfig = flags.get("--kubeconfig") or p["kubelet_kubeconfig"]
    kubeconfig_in_use = bool(flags.get("--kubeconfig")) and os.path.exists(kubeconfig)
    hostname = os.uname()[1]
    node_name = (p["node_name"] or pf.kubelet_node_name(flags, config, hostname)).strip().lower()
    machine_id = ""
    if os.path.exists("/etc/machine-id"):
        machine_id = ur.read_text("/etc/machine-id").strip()
    binary = argv[0] if argv else p["kubelet_binary"]
    version = None
    if os.path.exists(binary):
        rc, out, _err = module.run_command([binary, "--version"])
        version = out.strip().split()[-1] if rc == 0 and out.strip() else None
    kubelet = dict(unit_loaded=unit["load_state"] == "loaded", running=bool(argv),
                   exec_start_path=unit.get("exec_start_path"), editable=unit.get("editable", True),
                   env_references=unit.get("env_references", []), flags=flags, config_files=config_files,
                   kubeconfig=kubeconfig, kubeconfig_exists=kubeconfig_in_use,
                   bootstrap_kubeconfig=flags.get("--bootstrap-kubeconfig"), version=version,
                   api=pf.kubelet_api_settings(config, flags) if config_files or flags else None,
                   cgroup_driver=config.get("cgroupDriver", "cgroupfs") if config_files else None,
                   fail_swap_on=config.get("failSwapOn", True))
    result = dict(changed=False, node_name=node_name, hostname=hostname, machine_id=machine_id,
                  kubelet=kubelet, problems=problems)
    if not kubeconfig_in_use and p["kubelet_api"]:
        problems.extend(pf.api_flag_problems(flags, p["kubelet_api"]))
    if kubelet["unit_loaded"] and not kubelet["editable"] and not kubeconfig_in_use:
        problems.append("the kubelet starts from %s, whose ExecStart= takes flags from %s (Environment=/"
                        "EnvironmentFile=): put the kubelet's flags on the ExecStart= line, then run again"
                        % (kubelet["exec_start_path"], ", ".join("$" + v for v in kubelet["env_references"])))

    ca_path = None
    try:
        if p["ca_cert"]:
            fd, ca_path = tempfile.mkstemp(prefix="hardway-ca-", suffix=".crt")
            with os.fdopen(fd, "w") as handle:
                handle.write(p["ca_cert"])
        reached = True
        if "api_server" not in p["skip"]:
            reached = _check_server(module, p, result, problems, ca_path)
        else:
            result["server"] = dict(url=p["api_server"], status=None, version=p["server_version"], clock_skew=None)
        if reached and p["token"] and "token" not in p["skip"]:
            _check_token(module, p, result, problems, ca_path)
    finally:
        if ca_path:
            os.unlink(ca_path)

    if "version" not in p["skip"]:
        _add(problems, pf.version_skew_problem(version, result["server"].get("version")))
    if "runtime" not in p["skip"]:
        _check_runtime(p, problems)
    if "cgroup_driver" not in p["skip"] and kubelet["cgroup_driver"]:
        containerd = module.get_bin_path("containerd")
        if containerd:
            rc, out, _err = module.run_command([containerd, "config", "dump"])
            _vrc, vout, _verr = module.run_command([containerd, "--version"])
            if rc == 0:
                _add(problems, pf.cgroup_driver_problem(kubelet["cgroup_driver"], pf.runc_systemd_cgroup(out),
                                                        version, vout.split()[2] if len(vout.split()) > 2 else None))
    if "swap" not in p["skip"] and os.path.exists("/proc/swaps"):
        _add(problems, pf.swap_problem(ur.read_text("/proc/swaps"), kubelet["fail_swap_on"]))

    if problems and kubeconfig_in_use:
        # a joined worker is left as it is: what would block a join is only worth a warning
        for problem in problems:
            module.warn("%s is joined already; for a join this would fail: %s" % (hostname, problem))
        result["problems"] = []
    elif problems:
        module.fail_json(msg="preflight of %s (node %s) failed: %s" % (hostname, node_name, " | ".join(problems)),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
