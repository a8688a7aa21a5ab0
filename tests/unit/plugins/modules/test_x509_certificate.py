# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process tests of the x509_certificate and ca_cert_hash modules and the ca_cert_hash filter.

The CA is made with the openssl CLI and results are checked with openssl.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil
import stat

import pytest

from ansible.errors import AnsibleFilterError
from ansible.module_utils import basic

from ansible_collections.hardway.nodejoin.plugins.filter.ca_cert_hash import FilterModule
from ansible_collections.hardway.nodejoin.plugins.modules import ca_cert_hash as ca_cert_hash_module
from ansible_collections.hardway.nodejoin.plugins.modules import x509_certificate
from ansible_collections.hardway.nodejoin.tests.unit.helpers import make_openssl_ca, run_module, sh

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def openssl_hash(path):
    out = sh("openssl x509 -pubkey -noout -in %s | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex"
             % path)
    return "sha256:" + out.strip().split()[-1]


# a module's main() in-process; its JSON result (with 'failed' for fail_json)
run = run_module


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    cert, key = make_openssl_ca(tmp_path_factory.mktemp("ca"))
    return dict(cert=str(cert), key=str(key))


@pytest.fixture
def pki(tmp_path, ca):
    """Module args for the lesson's apiserver-kubelet-client certificate, into tmp_path/pki."""
    out = tmp_path / "pki"
    out.mkdir()
    return dict(
        path=str(out / "apiserver-kubelet-client.crt"),
        privatekey_path=str(out / "apiserver-kubelet-client.key"),
        ca_cert_path=ca["cert"],
        ca_key_path=ca["key"],
        common_name="kube-apiserver-kubelet-client",
        organizations=["system:masters"],
        key_usages=["digital_signature", "key_encipherment"],
        extended_key_usages=["client_auth"],
    )


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def test_create_then_idempotent(pki, ca, monkeypatch, capsys):
    first = run(x509_certificate.main, pki, monkeypatch, capsys)
    assert first["changed"] is True, first
    assert not first.get("failed"), first
    assert any("does not exist" in r for r in first["reasons"])
    assert mode_of(pki["privatekey_path"]) == 0o600
    assert mode_of(pki["path"]) == 0o644
    assert read(pki["privatekey_path"]).startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sh("openssl verify -purpose sslclient -CAfile %s %s" % (ca["cert"], pki["path"])).strip() \
        == "%s: OK" % pki["path"]
    # the key on disk belongs to the certificate
    assert sh("openssl x509 -noout -pubkey -in %s" % pki["path"]) == \
        sh("openssl pkey -pubout -in %s" % pki["privatekey_path"])
    subject = sh("openssl x509 -noout -subject -nameopt RFC2253 -in %s" % pki["path"]).strip()
    assert subject == "subject=CN=kube-apiserver-kubelet-client,O=system:masters"
    assert first["subject"] == "CN=kube-apiserver-kubelet-client,O=system:masters"
    serial = sh("openssl x509 -noout -serial -in %s" % pki["path"]).strip().split("=")[1]
    assert first["serial"] == str(int(serial, 16))
    assert first["ca_cert_hash"] == openssl_hash(ca["cert"])
    assert first["certificate_path"] == pki["path"] and first["privatekey_path"] == pki["privatekey_path"]
    # no temporary files left behind
    assert sorted(os.listdir(os.path.dirname(pki["path"]))) == [
        "apiserver-kubelet-client.crt", "apiserver-kubelet-client.key"]

    cert_bytes, key_bytes = read(pki["path"]), read(pki["privatekey_path"])
    second = run(x509_certificate.main, pki, monkeypatch, capsys)
    assert second["changed"] is False, second
    assert second["reasons"] == []
    assert second["serial"] == first["serial"] and second["not_after"] == first["not_after"]
    assert read(pki["path"]) == cert_bytes and read(pki["privatekey_path"]) == key_bytes

    third = run(x509_certificate.main, pki, monkeypatch, capsys, check_mode=True)
    assert third["changed"] is False and third["reasons"] == []


def test_check_mode_on_fresh_dir_writes_nothing(pki, monkeypatch, capsys):
    result = run(x509_certificate.main, pki, monkeypatch, capsys, check_mode=True, diff=True)
    assert result["changed"] is True, result
    assert result["serial"] is None
    assert result["subject"] == "CN=kube-apiserver-kubelet-client,O=system:masters"
    assert os.listdir(os.path.dirname(pki["path"])) == []
    assert result["diff"]["before"] == ""
    assert "subject: CN=kube-apiserver-kubelet-client,O=system:masters" in result["diff"]["after"]


def test_common_name_change_reissues_and_keeps_key(pki, ca, monkeypatch, capsys):
    first = run(x509_certificate.main, pki, monkeypatch, capsys)
    key_bytes, cert_bytes = read(pki["privatekey_path"]), read(pki["path"])

    changed_args = dict(pki, common_name="kube-apiserver-kubelet-client-2")
    predicted = run(x509_certificate.main, changed_args, monkeypatch, capsys, check_mode=True, diff=True)
    assert predicted["changed"] is True
    assert any("common name" in r for r in predicted["reasons"])
    assert read(pki["path"]) == cert_bytes  # check mode wrote nothing
    assert "kube-apiserver-kubelet-client-2" in predicted["diff"]["after"]
    assert "serial: %s" % first["serial"] in predicted["diff"]["before"]

    result = run(x509_certificate.main, changed_args, monkeypatch, capsys, diff=True)
    assert result["changed"] is True
    assert result["serial"] != first["serial"]
    assert read(pki["privatekey_path"]) == key_bytes
    assert read(pki["path"]) != cert_bytes
    subject = sh("openssl x509 -noout -subject -nameopt RFC2253 -in %s" % pki["path"]).strip()
    assert subject == "subject=CN=kube-apiserver-kubelet-client-2,O=system:masters"
    assert sh("openssl verify -CAfile %s %s" % (ca["cert"], pki["path"])).strip().endswith(": OK")
    for text in (result["diff"]["before"], result["diff"]["after"], json.dumps(result)):
        assert "PRIVATE KEY" not in text
    assert mode_of(pki["privatekey_path"]) == 0o600


def test_san_change_and_ecdsa_key(pki, monkeypatch, capsys):
    args = dict(pki, key_type="ecdsa", subject_alt_names=["DNS:node-1", "IP:10.0.0.11"])
    assert run(x509_certificate.main, args, monkeypatch, capsys)["changed"] is True
    assert "NIST CURVE: P-256" in sh("openssl pkey -noout -text -in %s" % pki["privatekey_path"])
    assert "DNS:node-1, IP Address:10.0.0.11" in sh("openssl x509 -noout -ext subjectAltName -in %s" % pki["path"])
    assert run(x509_certificate.main, args, monkeypatch, capsys)["changed"] is False
    args["subject_alt_names"] = ["DNS:node-1", "IP:10.0.0.12"]
    result = run(x509_certificate.main, args, monkeypatch, capsys)
    assert result["changed"] is True and any("10.0.0.12" in r for r in result["reasons"])


def test_key_type_mismatch_needs_regenerate_key(pki, monkeypatch, capsys):
    run(x509_certificate.main, pki, monkeypatch, capsys)
    key_bytes = read(pki["privatekey_path"])
    args = dict(pki, key_type="ecdsa")
    failed = run(x509_certificate.main, args, monkeypatch, capsys)
    assert failed.get("failed") is True
    assert "regenerate_key=true" in failed["msg"] and "rsa 2048" in failed["msg"]
    assert read(pki["privatekey_path"]) == key_bytes

    args["regenerate_key"] = True
    result = run(x509_certificate.main, args, monkeypatch, capsys)
    assert result["changed"] is True
    assert read(pki["privatekey_path"]) != key_bytes
    assert "BEGIN PRIVATE KEY" in read(pki["privatekey_path"]).decode()
    assert "ASN1 OID: prime256v1" in sh("openssl pkey -noout -text -in %s" % pki["privatekey_path"])
    assert mode_of(pki["privatekey_path"]) == 0o600


def test_file_modes_are_enforced(pki, monkeypatch, capsys):
    run(x509_certificate.main, pki, monkeypatch, capsys)
    os.chmod(pki["privatekey_path"], 0o644)
    predicted = run(x509_certificate.main, pki, monkeypatch, capsys, check_mode=True)
    assert predicted["changed"] is True and predicted["reasons"] == []
    assert mode_of(pki["privatekey_path"]) == 0o644
    result = run(x509_certificate.main, dict(pki, mode="0640"), monkeypatch, capsys)
    assert result["changed"] is True and result["reasons"] == []
    assert mode_of(pki["privatekey_path"]) == 0o600
    assert mode_of(pki["path"]) == 0o640


def test_replaced_key_never_gets_old_wide_mode(pki, monkeypatch, capsys):
    """Key content must land with privatekey_mode, not the mode of the file it replaces."""
    run(x509_certificate.main, pki, monkeypatch, capsys)
    os.chmod(pki["privatekey_path"], 0o644)
    seen = []
    real_move = basic.AnsibleModule.atomic_move

    def spy(self, src, dest, *args, **kwargs):
        seen.append((dest, mode_of(src)))
        real_move(self, src, dest, *args, **kwargs)
        seen.append((dest, mode_of(dest)))

    monkeypatch.setattr(basic.AnsibleModule, "atomic_move", spy)
    run(x509_certificate.main, dict(pki, regenerate_key=True), monkeypatch, capsys)
    key_modes = [m for dest, m in seen if dest == pki["privatekey_path"]]
    assert key_modes == [0o600, 0o600], seen


def test_new_key_file_never_world_readable(pki, monkeypatch, capsys):
    seen = []
    real_move = basic.AnsibleModule.atomic_move

    def spy(self, src, dest, *args, **kwargs):
        real_move(self, src, dest, *args, **kwargs)
        seen.append((dest, mode_of(dest)))

    monkeypatch.setattr(basic.AnsibleModule, "atomic_move", spy)
    run(x509_certificate.main, pki, monkeypatch, capsys)
    assert (pki["privatekey_path"], 0o600) in seen, seen


def test_wrong_ca_key_fails_and_writes_nothing(pki, tmp_path, monkeypatch, capsys):
    _cert, other_key = make_openssl_ca(tmp_path / "other")
    result = run(x509_certificate.main, dict(pki, ca_key_path=str(other_key)), monkeypatch, capsys)
    assert result.get("failed") is True and "does not match" in result["msg"]
    assert os.listdir(os.path.dirname(pki["path"])) == []


@pytest.mark.parametrize("override, message", [
    (dict(subject_alt_names=["node-1"]), "DNS:name"),
    (dict(renew_before_days=400), "renew_before_days"),
    (dict(key_usages=["bogus"]), "unknown key usage"),
])
def test_bad_options_fail(pki, monkeypatch, capsys, override, message):
    result = run(x509_certificate.main, dict(pki, **override), monkeypatch, capsys)
    assert result.get("failed") is True and message in result["msg"]


# --------------------------------------------------------------------------
# ca_cert_hash module and filter
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundle(tmp_path_factory, ca):
    ec_cert, _ec_key = make_openssl_ca(tmp_path_factory.mktemp("ec"), kind="ec", cn="front-proxy-ca")
    path = tmp_path_factory.mktemp("bundle") / "bundle.crt"
    path.write_bytes(read(ca["cert"]) + read(str(ec_cert)))
    return dict(path=str(path), hashes=[openssl_hash(ca["cert"]), openssl_hash(str(ec_cert))])


def test_ca_cert_hash_module_path_and_content(ca, bundle, monkeypatch, capsys):
    result = run(ca_cert_hash_module.main, dict(path=ca["cert"]), monkeypatch, capsys)
    assert result["changed"] is False
    assert result["hash"] == openssl_hash(ca["cert"]) and result["hashes"] == [result["hash"]]
    result = run(ca_cert_hash_module.main, dict(content=read(bundle["path"]).decode()), monkeypatch, capsys,
                 check_mode=True)
    assert result["hashes"] == bundle["hashes"] and result["hash"] == bundle["hashes"][0]


def test_ca_cert_hash_module_errors(ca, monkeypatch, capsys):
    result = run(ca_cert_hash_module.main, dict(path=ca["cert"], content="x"), monkeypatch, capsys)
    assert result.get("failed") is True and "mutually exclusive" in result["msg"]
    result = run(ca_cert_hash_module.main, dict(), monkeypatch, capsys)
    assert result.get("failed") is True and "one of the following is required" in result["msg"]
    result = run(ca_cert_hash_module.main, dict(content="not a certificate"), monkeypatch, capsys)
    assert result.get("failed") is True and "no PEM certificate" in result["msg"]


def test_ca_cert_hash_filter(ca, bundle):
    flt = FilterModule().filters()["ca_cert_hash"]
    assert flt(read(ca["cert"]).decode()) == openssl_hash(ca["cert"])
    assert flt(read(bundle["path"])) == bundle["hashes"]
    with pytest.raises(AnsibleFilterError, match="no PEM certificate"):
        flt("garbage")
    with pytest.raises(AnsibleFilterError, match="expects PEM text"):
        flt(None)


@pytest.mark.parametrize("args, message", [
    (dict(path="/nonexistent/ca.crt"), "cannot read /nonexistent/ca.crt"),
    (dict(content="no certificate here"), "content: no PEM certificate found"),
    (dict(content="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
     "certificate #1 of 1 in the PEM data cannot be parsed"),
])
def test_ca_cert_hash_module_failures_name_the_source(monkeypatch, capsys, args, message):
    result = run(ca_cert_hash_module.main, args, monkeypatch, capsys)
    assert result["failed"] is True and message in result["msg"], result
