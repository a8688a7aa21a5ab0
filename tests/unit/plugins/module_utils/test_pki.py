# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for plugins/module_utils/_pki.py.

Every property is checked with an independent tool, the ``openssl`` CLI: CAs
are made by openssl, issued certificates are verified and inspected by
openssl, and hashes are compared with the openssl pipelines the kubeadm
documentation gives.  The code under test is never used to check itself.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import re
import shutil
import subprocess

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import (
    PKIError,
    CertificateSpec,
    ca_cert_hash,
    ca_cert_hashes,
    certificate_info,
    certificate_to_pem,
    generate_private_key,
    issue_certificate,
    load_certificate,
    load_certificates,
    load_private_key,
    private_key_to_pem,
    regeneration_reasons,
)
from ansible_collections.hardway.nodejoin.tests.unit.helpers import make_openssl_ca, sh

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI"),
    # no deprecation (or other) warnings from cryptography on any supported version
    pytest.mark.filterwarnings("error"),
]


NOW = datetime.datetime(2025, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def make_ca(directory, name, kind="rsa", cn="kubernetes"):
    """Make a self-signed CA with openssl; return dict(cert=path, key=path, pem=bytes, key_pem=bytes)."""
    cert, key = make_openssl_ca(directory, name, kind, cn)
    return dict(cert=cert, key=key, pem=cert.read_bytes(), key_pem=key.read_bytes())


@pytest.fixture(scope="module")
def cas(tmp_path_factory):
    base = tmp_path_factory.mktemp("cas")
    return {
        "rsa": make_ca(base / "rsa", "ca", "rsa"),
        "ec": make_ca(base / "ec", "ca", "ec"),
        # same subject as the RSA CA, different key: only the signature tells them apart
        "impostor": make_ca(base / "impostor", "ca", "rsa", cn="kubernetes"),
        "other": make_ca(base / "other", "ca", "rsa", cn="other-ca"),
    }


def loaded(ca):
    return load_certificate(ca["pem"]), load_private_key(ca["key_pem"])


def kubelet_client_spec(**kwargs):
    args = dict(common_name="kube-apiserver-kubelet-client", organizations=["system:masters"])
    args.update(kwargs)
    return CertificateSpec(**args)


def issue_to_disk(tmp_path, ca, spec, key=None, now=None):
    ca_cert, ca_key = loaded(ca)
    key = key or generate_private_key(spec.key_type, spec.key_size, spec.curve)
    cert = issue_certificate(spec, key.public_key(), ca_cert, ca_key, now=now)
    (tmp_path / "leaf.crt").write_bytes(certificate_to_pem(cert))
    (tmp_path / "leaf.key").write_bytes(private_key_to_pem(key))
    return cert, key


def ossl_ext(path, name):
    return sh("openssl x509 -noout -ext %s -in %s" % (name, path))


# --------------------------------------------------------------------------
# issuing, checked by openssl
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ca_kind", ["rsa", "ec"])
@pytest.mark.parametrize("key_type", ["rsa", "ecdsa"])
def test_issued_certificate_verifies_with_openssl(tmp_path, cas, ca_kind, key_type):
    issue_to_disk(tmp_path, cas[ca_kind], kubelet_client_spec(key_type=key_type))
    out = sh("openssl verify -x509_strict -purpose sslclient -CAfile %s leaf.crt" % cas[ca_kind]["cert"],
             cwd=tmp_path)
    assert out.strip() == "leaf.crt: OK"


def test_issued_certificate_fails_openssl_verify_against_other_ca(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec())
    proc = subprocess.run("openssl verify -CAfile %s leaf.crt" % cas["impostor"]["cert"], shell=True, check=False,
                          cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode != 0


def test_subject_has_cn_and_o(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec())
    out = sh("openssl x509 -noout -subject -nameopt RFC2253 -in leaf.crt", cwd=tmp_path)
    assert out.strip() == "subject=CN=kube-apiserver-kubelet-client,O=system:masters"
    out = sh("openssl x509 -noout -issuer -nameopt RFC2253 -in leaf.crt", cwd=tmp_path)
    assert out.strip() == "issuer=CN=kubernetes"


def test_several_organizations(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec(organizations=["system:masters", "team:a"]))
    out = sh("openssl x509 -noout -subject -nameopt RFC2253 -in leaf.crt", cwd=tmp_path)
    assert out.strip() == "subject=CN=kube-apiserver-kubelet-client,O=team:a,O=system:masters"


def test_extended_key_usage_client_auth(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec())
    out = ossl_ext(tmp_path / "leaf.crt", "extendedKeyUsage")
    assert "TLS Web Client Authentication" in out
    assert "Server Authentication" not in out


def test_extended_key_usage_server_and_client(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec(extended_key_usages=["server_auth", "clientAuth"]))
    out = ossl_ext(tmp_path / "leaf.crt", "extendedKeyUsage")
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in out


def test_key_usage_and_basic_constraints_are_critical(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec())
    out = ossl_ext(tmp_path / "leaf.crt", "keyUsage")
    assert "X509v3 Key Usage: critical" in out
    assert "Digital Signature, Key Encipherment" in out
    out = ossl_ext(tmp_path / "leaf.crt", "basicConstraints")
    assert "X509v3 Basic Constraints: critical" in out
    assert "CA:FALSE" in out


def test_subject_alt_names(tmp_path, cas):
    spec = kubelet_client_spec(dns_names=["node-1", "node-1.lab.example"], ip_addresses=["10.0.0.11", "fd00::b"])
    issue_to_disk(tmp_path, cas["rsa"], spec)
    out = ossl_ext(tmp_path / "leaf.crt", "subjectAltName")
    assert re.search(r"DNS:node-1, DNS:node-1\.lab\.example, IP Address:10\.0\.0\.11, IP Address:FD00:0:0:0:0:0:0:B",
                     out), out


def test_no_san_extension_without_names(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec())
    assert "Subject Alternative Name" not in sh("openssl x509 -noout -text -in leaf.crt", cwd=tmp_path)


def test_authority_key_identifier_is_ca_subject_key_identifier(tmp_path, cas):
    issue_to_disk(tmp_path, cas["ec"], kubelet_client_spec())
    ca_ski = ossl_ext(cas["ec"]["cert"], "subjectKeyIdentifier").splitlines()[1].strip()
    leaf_aki = ossl_ext(tmp_path / "leaf.crt", "authorityKeyIdentifier")
    assert ca_ski.replace(":", "") in leaf_aki.replace(":", "")
    leaf_ski = ossl_ext(tmp_path / "leaf.crt", "subjectKeyIdentifier").splitlines()[1].strip()
    # RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING, as openssl computes it
    assert leaf_ski != ca_ski and re.match(r"^([0-9A-F]{2}:){19}[0-9A-F]{2}$", leaf_ski)


def test_validity_period_and_signature_algorithm(tmp_path, cas):
    issue_to_disk(tmp_path, cas["rsa"], kubelet_client_spec(validity_days=10), now=NOW)
    out = sh("openssl x509 -noout -startdate -enddate -in leaf.crt", cwd=tmp_path)
    assert "notBefore=Jun  1 11:55:00 2025 GMT" in out  # now - 5 minutes
    assert "notAfter=Jun 11 12:00:00 2025 GMT" in out
    text = sh("openssl x509 -noout -text -in leaf.crt", cwd=tmp_path)
    assert "Signature Algorithm: sha256WithRSAEncryption" in text
    assert "Version: 3 (0x2)" in text
    ec_dir = tmp_path / "ec"
    ec_dir.mkdir()
    issue_to_disk(ec_dir, cas["ec"], kubelet_client_spec())
    assert "Signature Algorithm: ecdsa-with-SHA256" in sh("openssl x509 -noout -text -in leaf.crt", cwd=ec_dir)


def test_certificate_info_matches_openssl(tmp_path, cas):
    spec = kubelet_client_spec(dns_names=["a.example"], ip_addresses=["192.0.2.1"])
    cert, _key = issue_to_disk(tmp_path, cas["rsa"], spec, now=NOW)
    info = certificate_info(cert)
    serial_hex = sh("openssl x509 -noout -serial -in leaf.crt", cwd=tmp_path).strip().split("=", 1)[1]
    assert info["serial_hex"] == serial_hex
    assert info["serial"] == str(int(serial_hex, 16))
    subject = sh("openssl x509 -noout -subject -nameopt RFC2253 -in leaf.crt", cwd=tmp_path).strip()
    assert "subject=" + info["subject"] == subject
    end = sh("openssl x509 -noout -enddate -in leaf.crt", cwd=tmp_path).strip().split("=", 1)[1]
    parsed = datetime.datetime.strptime(end, "%b %d %H:%M:%S %Y GMT")
    assert info["not_after"] == parsed.strftime("%Y-%m-%dT%H:%M:%SZ") == "2026-06-01T12:00:00Z"
    assert info["not_before"] == "2025-06-01T11:55:00Z"
    assert info["common_name"] == "kube-apiserver-kubelet-client"
    assert info["organizations"] == ["system:masters"]
    assert info["issuer"] == "CN=kubernetes"
    assert info["dns_names"] == ["a.example"] and info["ip_addresses"] == ["192.0.2.1"]
    assert info["extended_key_usages"] == ["client_auth"]
    assert info["is_ca"] is False


def test_issue_refuses_ca_key_not_matching_ca_cert(cas):
    ca_cert = load_certificate(cas["rsa"]["pem"])
    wrong_key = load_private_key(cas["impostor"]["key_pem"])
    with pytest.raises(PKIError, match="does not match the CA certificate"):
        issue_certificate(kubelet_client_spec(), generate_private_key().public_key(), ca_cert, wrong_key)


# --------------------------------------------------------------------------
# hashes, checked against kubeadm's documented openssl pipelines
# --------------------------------------------------------------------------

def test_ca_cert_hash_rsa_matches_kubeadm_pipeline(cas):
    expected = sh("openssl x509 -pubkey -in %s | openssl rsa -pubin -outform der 2>/dev/null"
                  " | openssl dgst -sha256 -hex | sed 's/^.* //'" % cas["rsa"]["cert"]).strip()
    assert re.match(r"^[0-9a-f]{64}$", expected)
    assert ca_cert_hash(load_certificate(cas["rsa"]["pem"])) == "sha256:" + expected


def test_ca_cert_hash_ec_matches_pkey_pipeline(cas):
    out = sh("openssl x509 -pubkey -noout -in %s | openssl pkey -pubin -outform der"
             " | openssl dgst -sha256 -hex" % cas["ec"]["cert"])
    expected = out.strip().split()[-1]
    assert ca_cert_hash(load_certificate(cas["ec"]["pem"])) == "sha256:" + expected


def test_ca_cert_hashes_bundle_in_order(cas):
    def pipeline(path):
        return "sha256:" + sh("openssl x509 -pubkey -noout -in %s | openssl pkey -pubin -outform der"
                              " | openssl dgst -sha256 -hex" % path).strip().split()[-1]

    rsa_hash, ec_hash = pipeline(cas["rsa"]["cert"]), pipeline(cas["ec"]["cert"])
    assert rsa_hash != ec_hash
    assert ca_cert_hashes(cas["rsa"]["pem"] + cas["ec"]["pem"]) == [rsa_hash, ec_hash]
    assert ca_cert_hashes(cas["ec"]["pem"] + b"\n# comment\n" + cas["rsa"]["pem"]) == [ec_hash, rsa_hash]
    # str input and indented PEM (as pasted into YAML) work too
    indented = "\n".join("    " + line for line in cas["rsa"]["pem"].decode().splitlines())
    assert ca_cert_hashes(indented) == [rsa_hash]
    # non-ASCII text around the blocks (comments, openssl -text output) is ignored
    assert ca_cert_hashes(u"# Autorit\u00e9 de certification\n" + cas["ec"]["pem"].decode()) == [ec_hash]


def test_load_certificate_rejects_bundle(cas):
    assert len(load_certificates(cas["rsa"]["pem"] + cas["ec"]["pem"])) == 2
    with pytest.raises(PKIError, match="exactly one certificate"):
        load_certificate(cas["rsa"]["pem"] + cas["ec"]["pem"])


# --------------------------------------------------------------------------
# regeneration_reasons
# --------------------------------------------------------------------------

@pytest.fixture
def issued(cas):
    """A fresh certificate for the kubelet-client spec, issued at NOW by the RSA CA."""
    ca_cert, ca_key = loaded(cas["rsa"])
    spec = kubelet_client_spec(dns_names=["node-1"], ip_addresses=["10.0.0.11"])
    key = generate_private_key()
    cert = issue_certificate(spec, key.public_key(), ca_cert, ca_key, now=NOW)
    return dict(spec=spec, key=key, cert=cert, ca_cert=ca_cert)


def reasons_for(issued, spec=None, key=None, cert=None, ca_cert=None, renew_before_days=30, now=NOW):
    return regeneration_reasons(spec or issued["spec"], cert or issued["cert"], key or issued["key"],
                                ca_cert or issued["ca_cert"], renew_before_days, now=now)


def test_reasons_fresh_certificate_none(issued):
    assert reasons_for(issued) == []
    assert reasons_for(issued, now=NOW + datetime.timedelta(days=300)) == []
    # order of O and SANs and DNS case are irrelevant
    same = kubelet_client_spec(dns_names=["NODE-1"], ip_addresses=["10.0.0.11"])
    assert reasons_for(issued, spec=same) == []


def test_reasons_openssl_issued_certificate_is_accepted(tmp_path, cas):
    """A leaf made entirely by openssl that matches the spec needs no regeneration."""
    ext = tmp_path / "leaf.ext"
    ext.write_text("basicConstraints = critical, CA:FALSE\n"
                   "keyUsage = critical, digitalSignature, keyEncipherment\n"
                   "extendedKeyUsage = clientAuth\n"
                   "subjectAltName = DNS:node-1, IP:10.0.0.11\n")
    sh("openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr"
       " -subj '/O=system:masters/CN=kube-apiserver-kubelet-client'", cwd=tmp_path)
    sh("openssl x509 -req -in leaf.csr -CA %s -CAkey %s -CAcreateserial -days 100 -sha256 -extfile leaf.ext"
       " -out leaf.crt" % (cas["rsa"]["cert"], cas["rsa"]["key"]), cwd=tmp_path)
    spec = kubelet_client_spec(dns_names=["node-1"], ip_addresses=["10.0.0.11"])
    cert = load_certificate((tmp_path / "leaf.crt").read_bytes())
    key = load_private_key((tmp_path / "leaf.key").read_bytes())
    ca_cert = load_certificate(cas["rsa"]["pem"])
    assert regeneration_reasons(spec, cert, key, ca_cert, 30) == []
    # and the same certificate checked against the impostor CA (same subject, other key) fails
    impostor = load_certificate(cas["impostor"]["pem"])
    reasons = regeneration_reasons(spec, cert, key, impostor, 30)
    assert len(reasons) == 1 and "signature does not verify" in reasons[0]


def test_reasons_wrong_common_name(issued):
    reasons = reasons_for(issued, spec=kubelet_client_spec(common_name="kube-apiserver",
                                                           dns_names=["node-1"], ip_addresses=["10.0.0.11"]))
    assert len(reasons) == 1
    assert "common name" in reasons[0] and "'kube-apiserver'" in reasons[0]


def test_reasons_wrong_organization(issued):
    spec = kubelet_client_spec(organizations=["system:nodes"], dns_names=["node-1"], ip_addresses=["10.0.0.11"])
    reasons = reasons_for(issued, spec=spec)
    assert len(reasons) == 1 and "organizations" in reasons[0] and "system:nodes" in reasons[0]
    spec = kubelet_client_spec(organizations=["system:masters", "extra"], dns_names=["node-1"],
                               ip_addresses=["10.0.0.11"])
    assert len(reasons_for(issued, spec=spec)) == 1


def test_reasons_other_ca_different_subject(issued, cas):
    reasons = reasons_for(issued, ca_cert=load_certificate(cas["other"]["pem"]))
    assert len(reasons) == 1 and "issuer" in reasons[0] and "other-ca" in reasons[0]


def test_reasons_other_ca_same_subject_signature_fails(issued, cas):
    reasons = reasons_for(issued, ca_cert=load_certificate(cas["impostor"]["pem"]))
    assert reasons == ["the certificate signature does not verify with the CA public key"]


def test_reasons_signed_by_other_ca(tmp_path, cas):
    """Certificate correctly issued, but by a second openssl CA, not the expected one."""
    other_cert, other_key = loaded(cas["other"])
    spec = kubelet_client_spec()
    key = generate_private_key()
    cert = issue_certificate(spec, key.public_key(), other_cert, other_key, now=NOW)
    reasons = regeneration_reasons(spec, cert, key, load_certificate(cas["rsa"]["pem"]), 30, now=NOW)
    assert len(reasons) == 1 and "not the CA" in reasons[0]


def test_reasons_ec_ca_signature_checked(cas):
    ca_cert, ca_key = loaded(cas["ec"])
    spec = kubelet_client_spec(key_type="ecdsa")
    key = generate_private_key("ecdsa")
    cert = issue_certificate(spec, key, ca_cert, ca_key, now=NOW)
    assert regeneration_reasons(spec, cert, key, ca_cert, 30, now=NOW) == []
    # an EC CA with the same subject but another key: signature must fail
    impostor_dir_cert = load_certificate(cas["rsa"]["pem"])  # CN=kubernetes too, RSA key
    reasons = regeneration_reasons(spec, cert, key, impostor_dir_cert, 30, now=NOW)
    assert len(reasons) == 1 and "signature" in reasons[0]


def test_reasons_near_expiry(cas):
    ca_cert, ca_key = loaded(cas["rsa"])
    spec = kubelet_client_spec(validity_days=10)
    key = generate_private_key()
    cert = issue_certificate(spec, key.public_key(), ca_cert, ca_key, now=NOW)
    reasons = regeneration_reasons(spec, cert, key, ca_cert, 30, now=NOW)
    assert len(reasons) == 1
    assert "expires at 2025-06-11T12:00:00Z" in reasons[0] and "renew_before_days=30" in reasons[0]
    assert regeneration_reasons(spec, cert, key, ca_cert, 5, now=NOW) == []


def test_reasons_expired_and_not_yet_valid(issued):
    reasons = reasons_for(issued, now=NOW + datetime.timedelta(days=400))
    assert len(reasons) == 1 and "expired at 2026-06-01T12:00:00Z" in reasons[0]
    reasons = reasons_for(issued, now=NOW - datetime.timedelta(hours=1))
    assert len(reasons) == 1 and "not valid yet" in reasons[0] and "2025-06-01T11:55:00Z" in reasons[0]
    # inside the 5 minute clock skew allowance it is valid
    assert reasons_for(issued, now=NOW - datetime.timedelta(minutes=4)) == []


def test_reasons_key_mismatch(issued):
    reasons = reasons_for(issued, key=generate_private_key())
    assert reasons == ["the private key does not match the certificate's public key"]


def test_reasons_key_type_differs_from_spec(issued):
    spec = kubelet_client_spec(key_type="ecdsa", dns_names=["node-1"], ip_addresses=["10.0.0.11"])
    reasons = reasons_for(issued, spec=spec)
    assert reasons == ["private key is rsa 2048, spec wants ecdsa secp256r1"]
    spec = kubelet_client_spec(key_size=3072, dns_names=["node-1"], ip_addresses=["10.0.0.11"])
    assert reasons_for(issued, spec=spec) == ["private key is rsa 2048, spec wants rsa 3072"]


def test_reasons_san_change(issued):
    spec = kubelet_client_spec(dns_names=["node-1", "node-1.lab"], ip_addresses=["10.0.0.11"])
    reasons = reasons_for(issued, spec=spec)
    assert len(reasons) == 1 and "DNS" in reasons[0] and "node-1.lab" in reasons[0]
    spec = kubelet_client_spec(dns_names=["node-1"], ip_addresses=["10.0.0.12"])
    reasons = reasons_for(issued, spec=spec)
    assert len(reasons) == 1 and "IP" in reasons[0] and "10.0.0.12" in reasons[0]


def test_reasons_usage_changes(issued):
    spec = kubelet_client_spec(dns_names=["node-1"], ip_addresses=["10.0.0.11"], extended_key_usages=["server_auth"])
    reasons = reasons_for(issued, spec=spec)
    assert len(reasons) == 1 and "extended key usages" in reasons[0]
    spec = kubelet_client_spec(dns_names=["node-1"], ip_addresses=["10.0.0.11"], key_usages=["digital_signature"])
    reasons = reasons_for(issued, spec=spec)
    assert len(reasons) == 1 and reasons[0].startswith("key usages")


def test_reasons_ca_certificate_as_leaf(cas):
    ca_cert, ca_key = loaded(cas["rsa"])
    spec = CertificateSpec(common_name="kubernetes", key_usages=["digital_signature", "key_encipherment",
                                                                 "key_cert_sign"], extended_key_usages=[])
    reasons = regeneration_reasons(spec, ca_cert, ca_key, ca_cert, 30)
    assert reasons == ["the certificate is a CA certificate (BasicConstraints CA:TRUE), spec wants a leaf"]


# --------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------

def test_generated_keys_are_read_by_openssl(tmp_path):
    (tmp_path / "rsa.key").write_bytes(private_key_to_pem(generate_private_key("rsa", 3072)))
    (tmp_path / "ec.key").write_bytes(private_key_to_pem(generate_private_key("ecdsa")))
    assert (tmp_path / "rsa.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert "RSA key ok" in sh("openssl rsa -check -noout -in rsa.key", cwd=tmp_path)
    assert "Private-Key: (3072 bit" in sh("openssl pkey -noout -text -in rsa.key", cwd=tmp_path)
    text = sh("openssl pkey -noout -text -in ec.key", cwd=tmp_path)
    assert "prime256v1" in text and "P-256" in text


def test_load_openssl_traditional_keys(tmp_path):
    sh("openssl genrsa -traditional -out rsa1.key 2048 2>/dev/null", cwd=tmp_path)
    sh("openssl ecparam -name prime256v1 -genkey -noout -out ec1.key", cwd=tmp_path)
    assert (tmp_path / "rsa1.key").read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert (tmp_path / "ec1.key").read_bytes().startswith(b"-----BEGIN EC PRIVATE KEY-----")
    rsa_key = load_private_key((tmp_path / "rsa1.key").read_bytes())
    ec_key = load_private_key((tmp_path / "ec1.key").read_text())
    modulus = sh("openssl rsa -noout -modulus -in rsa1.key", cwd=tmp_path).strip().split("=", 1)[1]
    assert rsa_key.public_key().public_numbers().n == int(modulus, 16)
    assert ec_key.curve.name == "secp256r1"


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "no PEM certificate"),
    (b"hello world", "no PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n", "#1 of 1"),
    (b"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n-----END CERTIFICATE-----\n", "cannot be parsed"),
    (None, "must be PEM text"),
    (42, "must be PEM text"),
])
def test_bad_certificate_pem_raises(data, message):
    with pytest.raises(PKIError, match=message):
        load_certificates(data)


def test_bad_second_certificate_in_bundle_is_named(cas):
    bad = cas["rsa"]["pem"] + b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(PKIError, match="#2 of 2"):
        ca_cert_hashes(bad)


def test_bad_private_key_raises(tmp_path, cas):
    with pytest.raises(PKIError, match="no PEM private key"):
        load_private_key(b"garbage")
    with pytest.raises(PKIError, match="no PEM private key"):
        load_private_key(cas["rsa"]["pem"])
    with pytest.raises(PKIError, match="cannot be parsed"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:secret -out enc.key",
       cwd=tmp_path)
    with pytest.raises(PKIError, match="encrypted"):
        load_private_key((tmp_path / "enc.key").read_bytes())


@pytest.mark.parametrize("kwargs, message", [
    (dict(common_name=""), "common_name"),
    (dict(common_name="x", key_usages=["sign_everything"]), "unknown key usage"),
    (dict(common_name="x", extended_key_usages=["any_purpose_please"]), "unknown extended key usage"),
    (dict(common_name="x", ip_addresses=["10.0.0.300"]), "invalid IP address"),
    (dict(common_name="x", validity_days=0), "validity_days"),
    (dict(common_name="x", key_type="dsa"), "key type"),
    (dict(common_name="x", key_type="ecdsa", curve="secp256k1"), "curve"),
    (dict(common_name="x", key_usages=["encipher_only"]), "key_agreement"),
])
def test_spec_validation(kwargs, message):
    with pytest.raises(PKIError, match=message):
        CertificateSpec(**kwargs)


def test_spec_normalises_names():
    spec = CertificateSpec(common_name="x", key_usages=["digitalSignature", "Key Encipherment", "nonRepudiation"],
                           extended_key_usages=["clientAuth", "1.3.6.1.5.5.7.3.1"], ip_addresses=["fd00:0::1"],
                           key_type="ec", curve="P-256")
    assert spec.key_usages == ["digital_signature", "key_encipherment", "content_commitment"]
    assert spec.extended_key_usages == ["client_auth", "server_auth"]
    assert spec.ip_addresses == ["fd00::1"]
    assert (spec.key_type, spec.curve) == ("ecdsa", "secp256r1")
    assert CertificateSpec(common_name="x").key_usages == ["digital_signature", "key_encipherment"]
    assert CertificateSpec(common_name="x").extended_key_usages == ["client_auth"]
