# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_kubeconfig.py, cross-checked with kubectl where it is installed.

kubectl reads back what build() writes (``kubectl config view --raw``), and a kubeconfig
written by ``kubectl config set-cluster/set-credentials/set-context`` compares equal to
build()'s.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import copy
import datetime
import json
import os
import shutil
import subprocess

import pytest
import yaml

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc

SERVER = "https://10.0.0.10:6443"
TOKEN = "abcdef.0123456789abcdef"
KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.path.exists("/usr/bin/kubectl") else None)
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="needs kubectl")


def _cert_and_key(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


CA_PEM, _CA_KEY = _cert_and_key("kubernetes")
CLIENT_PEM, CLIENT_KEY = _cert_and_key("system:node:worker-1")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def token_config(**kwargs):
    args = dict(ca_pem=CA_PEM, token=TOKEN)
    args.update(kwargs)
    return kc.build(SERVER, **args)


# --- build ------------------------------------------------------------------------------

def test_build_with_token():
    assert token_config() == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "default", "cluster": {"server": SERVER, "certificate-authority-data": b64(CA_PEM)}}],
        "users": [{"name": "default", "user": {"token": TOKEN}}],
        "contexts": [{"name": "default", "context": {"cluster": "default", "user": "default"}}],
        "current-context": "default",
        "preferences": {},
    }


def test_build_ca_as_bytes_or_str_is_the_same():
    assert token_config(ca_pem=CA_PEM.encode()) == token_config(ca_pem=CA_PEM)


def test_build_with_embedded_client_certificate_and_names():
    config = kc.build(SERVER, ca_pem=CA_PEM, client_cert_pem=CLIENT_PEM, client_key_pem=CLIENT_KEY.encode(),
                      cluster_name="kubernetes", user_name="system:node:worker-1", context_name="worker")
    assert config["users"] == [{"name": "system:node:worker-1", "user": {
        "client-certificate-data": b64(CLIENT_PEM), "client-key-data": b64(CLIENT_KEY)}}]
    assert config["contexts"] == [{"name": "worker", "context": {"cluster": "kubernetes",
                                                                 "user": "system:node:worker-1"}}]
    assert config["clusters"][0]["name"] == "kubernetes"
    assert config["current-context"] == "worker"


def test_build_with_paths():
    config = kc.build(SERVER, ca_path="/etc/kubernetes/pki/ca.crt",
                      client_cert_path="/var/lib/kubelet/pki/kubelet-client-current.pem",
                      client_key_path="/var/lib/kubelet/pki/kubelet-client-current.pem")
    assert config["clusters"][0]["cluster"] == {"server": SERVER, "certificate-authority": "/etc/kubernetes/pki/ca.crt"}
    assert config["users"][0]["user"] == {"client-certificate": "/var/lib/kubelet/pki/kubelet-client-current.pem",
                                          "client-key": "/var/lib/kubelet/pki/kubelet-client-current.pem"}


def test_build_insecure():
    config = kc.build(SERVER, token=TOKEN, insecure_skip_tls_verify=True)
    assert config["clusters"][0]["cluster"] == {"server": SERVER, "insecure-skip-tls-verify": True}


@pytest.mark.parametrize("server", ["http://10.0.0.10:6443", "10.0.0.10:6443", "", None, "HTTPS//x"])
def test_build_rejects_non_https_server(server):
    with pytest.raises(kc.KubeconfigError) as info:
        kc.build(server, ca_pem=CA_PEM, token=TOKEN)
    assert "https://" in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    (dict(token=TOKEN), "CA certificate is required"),
    (dict(ca_pem=CA_PEM, ca_path="/ca.crt", token=TOKEN), "not both"),
    (dict(ca_pem=CA_PEM, token=TOKEN, client_cert_pem=CLIENT_PEM, client_key_pem=CLIENT_KEY), "not both"),
    (dict(ca_pem=CA_PEM, token=TOKEN, client_cert_path="/c.pem", client_key_path="/k.pem"), "not both"),
    (dict(ca_pem=CA_PEM, client_cert_pem=CLIENT_PEM), "both the certificate and the key"),
    (dict(ca_pem=CA_PEM, client_key_pem=CLIENT_KEY), "both the certificate and the key"),
    (dict(ca_pem=CA_PEM, client_cert_path="/c.pem"), "needs both"),
    (dict(ca_pem=CA_PEM, client_key_path="/k.pem"), "needs both"),
    (dict(ca_pem=CA_PEM), "needs credentials"),
    (dict(ca_pem=CA_PEM, token=""), "needs credentials"),
])
def test_build_errors(kwargs, words):
    with pytest.raises(kc.KubeconfigError) as info:
        kc.build(SERVER, **kwargs)
    assert words in str(info.value)
    assert CLIENT_KEY not in str(info.value)


# --- equal ------------------------------------------------------------------------------

def test_equal_after_dump_and_load():
    config = token_config()
    assert kc.equal(kc.loads(kc.dumps(config)), config)


def test_equal_ignores_key_order_and_formatting():
    config = token_config()
    reordered = dict(reversed(list(copy.deepcopy(config).items())))
    for key in ("clusters", "users", "contexts"):
        reordered[key] = [dict(reversed(list(e.items()))) for e in reordered[key]]
    text_json = json.dumps(reordered, indent=7)                       # JSON is YAML too
    text_flow = yaml.safe_dump(reordered, default_flow_style=True)
    assert kc.equal(kc.loads(text_json), config)
    assert kc.equal(kc.loads(text_flow), config)
    assert kc.equal(config, kc.loads(text_flow))


def test_equal_ignores_empty_or_missing_preferences():
    config = token_config()
    without = dict(config)
    del without["preferences"]
    null_prefs = dict(config, preferences=None)
    assert kc.equal(without, config)
    assert kc.equal(null_prefs, config)
    assert not kc.equal(dict(config, preferences={"colors": True}), config)


def test_equal_ignores_the_order_of_named_entries():
    a = token_config()
    b = copy.deepcopy(a)
    extra = {"name": "other", "cluster": {"server": "https://10.0.0.11:6443"}}
    a["clusters"].append(extra)
    b["clusters"].insert(0, extra)
    assert kc.equal(a, b)


@pytest.mark.parametrize("change", [
    lambda c: c["users"][0]["user"].__setitem__("token", "abcdef.fedcba9876543210"),
    lambda c: c["clusters"][0]["cluster"].__setitem__("server", "https://10.0.0.11:6443"),
    lambda c: c["clusters"][0]["cluster"].__setitem__("certificate-authority-data", b64(CLIENT_PEM)),
    lambda c: c.__setitem__("current-context", "other"),
    lambda c: c["contexts"][0]["context"].__setitem__("namespace", "kube-system"),
    lambda c: c["users"].append({"name": "admin", "user": {"token": "x"}}),
])
def test_equal_sees_changes(change):
    config = token_config()
    other = copy.deepcopy(config)
    change(other)
    assert not kc.equal(config, other)
    assert not kc.equal(other, config)


def test_equal_none():
    assert kc.equal(None, None)
    assert not kc.equal(None, token_config())
    assert not kc.equal(token_config(), None)


# --- redact -----------------------------------------------------------------------------

def test_redact_hides_secrets_and_does_not_mutate():
    config = kc.build(SERVER, ca_pem=CA_PEM, client_cert_pem=CLIENT_PEM, client_key_pem=CLIENT_KEY)
    config["users"].append({"name": "t", "user": {"token": TOKEN}})
    config["users"].append({"name": "p", "user": {"username": "admin", "password": "hunter2"}})
    original = copy.deepcopy(config)
    redacted = kc.redact(config)
    assert config == original
    text = kc.dumps(redacted)
    assert TOKEN not in text
    assert b64(CLIENT_KEY) not in text
    assert "hunter2" not in text
    users = dict((u["name"], u["user"]) for u in redacted["users"])
    assert users["default"]["client-key-data"] == kc.REDACTED
    assert users["default"]["client-certificate-data"] == b64(CLIENT_PEM)   # not a secret
    assert users["t"]["token"] == kc.REDACTED
    assert users["p"] == {"username": "admin", "password": kc.REDACTED}
    assert redacted["clusters"] == original["clusters"]


def test_redact_none_and_no_users():
    assert kc.redact(None) is None
    assert kc.redact({"apiVersion": "v1"}) == {"apiVersion": "v1"}


# --- loads ------------------------------------------------------------------------------

def test_loads_empty_is_none():
    assert kc.loads("") is None
    assert kc.loads("  \n\n") is None
    assert kc.loads(None) is None


@pytest.mark.parametrize("text, words", [
    ("clusters: [unclosed\n", "not valid YAML"),
    ("key: value\n  bad indent: x\n", "not valid YAML"),
    ("- a\n- b\n", "not a YAML mapping"),
    ("just a string\n", "not a YAML mapping"),
    ("42\n", "not a YAML mapping"),
])
def test_loads_errors(text, words):
    with pytest.raises(kc.KubeconfigError) as info:
        kc.loads(text)
    assert words in str(info.value)


def test_loads_does_not_construct_python_objects():
    with pytest.raises(kc.KubeconfigError):
        kc.loads("!!python/object/apply:os.system ['true']\n")


# --- server_and_ca ----------------------------------------------------------------------

def test_server_and_ca_embedded():
    server, ca, ca_path = kc.server_and_ca(token_config())
    assert server == SERVER
    assert ca == CA_PEM.encode()
    assert ca_path is None


def test_server_and_ca_by_path_and_context():
    config = kc.build(SERVER, ca_path="/etc/kubernetes/pki/ca.crt", token=TOKEN)
    config["clusters"].append({"name": "b", "cluster": {"server": "https://b:6443"}})
    config["contexts"].append({"name": "b", "context": {"cluster": "b", "user": "default"}})
    assert kc.server_and_ca(config) == (SERVER, None, "/etc/kubernetes/pki/ca.crt")
    assert kc.server_and_ca(config, context="b") == ("https://b:6443", None, None)


def test_server_and_ca_errors():
    config = token_config()
    with pytest.raises(kc.KubeconfigError) as info:
        kc.server_and_ca(config, context="nope")
    assert "'nope'" in str(info.value)
    config["contexts"][0]["context"]["cluster"] = "gone"
    with pytest.raises(kc.KubeconfigError) as info:
        kc.server_and_ca(config)
    assert "cluster of context 'default'" in str(info.value)


# --- kubectl cross-checks ---------------------------------------------------------------

def kubectl(*args):
    env = dict(os.environ)
    env.pop("KUBECONFIG", None)
    proc = subprocess.run([KUBECTL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, "kubectl %s: %s" % (" ".join(args), proc.stderr.decode())
    return proc.stdout.decode()


@needs_kubectl
def test_kubectl_reads_a_token_kubeconfig(tmp_path):
    path = tmp_path / "bootstrap-kubelet.conf"
    path.write_text(kc.dumps(token_config()))
    view = json.loads(kubectl("config", "view", "--raw", "-o", "json", "--kubeconfig", str(path)))
    assert view["current-context"] == "default"
    cluster = view["clusters"][0]["cluster"]
    assert cluster["server"] == SERVER
    assert base64.b64decode(cluster["certificate-authority-data"]).decode() == CA_PEM
    assert view["users"][0]["user"]["token"] == TOKEN
    minified = yaml.safe_load(kubectl("config", "view", "--minify", "--kubeconfig", str(path)))
    assert minified["clusters"][0]["cluster"]["server"] == SERVER
    assert minified["users"][0]["user"]["token"] == "REDACTED"
    # and what kubectl prints reads back as the same kubeconfig
    assert kc.equal(kc.loads(json.dumps(view)), token_config())


@needs_kubectl
def test_kubectl_reads_a_client_certificate_kubeconfig(tmp_path):
    path = tmp_path / "kubelet.conf"
    path.write_text(kc.dumps(kc.build(SERVER, ca_pem=CA_PEM, client_cert_pem=CLIENT_PEM, client_key_pem=CLIENT_KEY,
                                      user_name="system:node:worker-1", context_name="worker")))
    view = json.loads(kubectl("config", "view", "--raw", "-o", "json", "--kubeconfig", str(path)))
    assert view["current-context"] == "worker"
    user = view["users"][0]
    assert user["name"] == "system:node:worker-1"
    assert base64.b64decode(user["user"]["client-certificate-data"]).decode() == CLIENT_PEM
    assert base64.b64decode(user["user"]["client-key-data"]).decode() == CLIENT_KEY
    assert view["contexts"][0]["context"] == {"cluster": "default", "user": "system:node:worker-1"}


@needs_kubectl
def test_a_kubeconfig_written_by_kubectl_equals_build(tmp_path):
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text(CA_PEM)
    path = str(tmp_path / "by-kubectl.conf")
    kubectl("config", "set-cluster", "default", "--server", SERVER, "--certificate-authority", str(ca_file),
            "--embed-certs=true", "--kubeconfig", path)
    kubectl("config", "set-credentials", "default", "--token", TOKEN, "--kubeconfig", path)
    kubectl("config", "set-context", "default", "--cluster", "default", "--user", "default", "--kubeconfig", path)
    kubectl("config", "use-context", "default", "--kubeconfig", path)
    with open(path) as f:
        written = kc.loads(f.read())
    assert kc.equal(written, token_config())
    assert not kc.equal(written, token_config(token="abcdef.fedcba9876543210"))
