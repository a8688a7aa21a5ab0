# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What several unit test files share: the lesson's kube-apiserver unit, and an openssl
CLI runner that makes CAs independently of the collection's own PKI code."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess

# The kube-apiserver unit as the lesson shows it (before the join's flags).
APISERVER_UNIT = """\
[Unit]
Description=Kubernetes API Server
Documentation=https://github.com/kubernetes/kubernetes

[Service]
ExecStart=/usr/local/bin/kube-apiserver \\
    --service-cluster-ip-range=10.96.0.0/12 \\
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \\
    --service-account-key-file=/etc/kubernetes/pki/sa.pub \\
    --etcd-servers=https://127.0.0.1:2379 \\
    --anonymous-auth=false \\
    --authorization-mode=Node,RBAC \\
    --tls-cert-file=/etc/kubernetes/pki/apiserver.crt \\
    --client-ca-file=/etc/kubernetes/pki/ca.crt
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""

OPENSSL_CA_CNF = """\
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
subjectKeyIdentifier = hash
"""


def sh(cmd, cwd=None, input_bytes=None):
    """Run a shell command; return stdout as text; fail the test with stderr on error."""
    proc = subprocess.run(cmd, shell=True, check=False, cwd=str(cwd) if cwd else None, input=input_bytes,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, "%s failed (%d): %s" % (cmd, proc.returncode, proc.stderr.decode())
    return proc.stdout.decode()


def make_openssl_ca(directory, name="ca", kind="rsa", cn="kubernetes"):
    """Make a self-signed CA (RSA 2048 or EC P-256) with the openssl CLI in ``directory``;
    return the paths ``(<name>.crt, <name>.key)``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.cnf").write_text(OPENSSL_CA_CNF)
    newkey = "-newkey rsa:2048" if kind == "rsa" else "-newkey ec -pkeyopt ec_paramgen_curve:P-256"
    sh("openssl req -x509 -config ca.cnf %s -nodes -keyout %s.key -out %s.crt -days 3650 -subj '/CN=%s'"
       % (newkey, name, name, cn), cwd=directory)
    return directory / ("%s.crt" % name), directory / ("%s.key" % name)


def run_module(main, args, monkeypatch, capsys, check_mode=False, diff=False):
    """Run a module's ``main()`` in-process; return its JSON result ('failed' set by fail_json)."""
    import json

    import pytest
    from ansible.module_utils import basic

    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    # ansible-core >= 2.19 also wants a serialisation profile; older versions ignore it
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit):
        main()
    return json.loads(capsys.readouterr().out)


class FakeApi:
    """Stands in for the kubernetes client's typed APIs under an API module (see :func:`fake_kube`).

    ``answers`` maps a method name (``read_node``) to a list of answers, one per call (the last
    one repeats); an answer is a value, an exception to raise, or a callable taking the call's
    arguments. Every call is recorded in ``calls`` as ``(name, args, kwargs)``.
    """

    def __init__(self, answers):
        self.answers = dict((k, list(v)) for k, v in answers.items())
        self.calls = []

    def __getattr__(self, name):
        if name not in self.answers:
            raise AttributeError(name)

        def method(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            queue = self.answers[name]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, BaseException):
                raise answer
            return answer(*args, **kwargs) if callable(answer) else answer

        return method

    def timeouts(self):
        """The ``_request_timeout`` of every recorded call."""
        return [kwargs.get("_request_timeout") for _name, _args, kwargs in self.calls]


def fake_kube(monkeypatch, api, host="https://10.0.0.10:6443"):
    """Make every ``_kube.KubeModule`` use ``api`` (a :class:`FakeApi`) for each typed API, and a
    client whose ``sanitize_for_serialization`` returns its input (answers are given as dicts)."""
    import types

    from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube

    client = types.SimpleNamespace(configuration=types.SimpleNamespace(host=host),
                                   sanitize_for_serialization=lambda obj: obj)
    monkeypatch.setattr(_kube.KubeModule, "client", property(lambda self: client))
    monkeypatch.setattr(_kube.KubeModule, "api", lambda self, name: api)
    return client


def items(*objects):
    """A list answer as the client returns it (``.items``)."""
    import types

    return types.SimpleNamespace(items=list(objects))


def api_error(status, reason="Error", message=""):
    """A ``kubernetes`` ``ApiException`` with a Status body, as the client raises it."""
    import json

    from kubernetes.client.rest import ApiException

    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps({"kind": "Status", "message": message, "code": status})
    return exc


# the kubelet unit of the lesson before the join (standalone, --config-dir)
KUBELET_UNIT = """\
[Unit]
Description=Kubernetes Kubelet

[Service]
ExecStart=/usr/local/bin/kubelet \\
    --config-dir /var/lib/kubelet/config.d/ \\
    --node-ip=10.77.0.11
Restart=always

[Install]
WantedBy=multi-user.target
"""
