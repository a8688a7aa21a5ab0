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
