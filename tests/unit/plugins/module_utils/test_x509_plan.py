# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_x509_plan.py: what x509_certificate decides about key and certificate.

The CA is made with the openssl CLI; a certificate issued after a plan is checked with
``openssl verify``, and the plan of the next run must then be "nothing to do".
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import shutil

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _pki
from ansible_collections.hardway.nodejoin.plugins.module_utils import _x509_plan as xp
from ansible_collections.hardway.nodejoin.tests.unit.helpers import make_openssl_ca, sh

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

NOW = datetime.datetime(2026, 11, 29, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    crt, key = make_openssl_ca(tmp_path_factory.mktemp("ca"))
    return dict(path=str(crt), cert=_pki.load_certificate(crt.read_bytes()),
                key=_pki.load_private_key(key.read_bytes()))


def spec(**extra):
    args = dict(common_name="kube-apiserver-kubelet-client", organizations=["system:masters"],
                key_usages=["digital_signature", "key_encipherment"], extended_key_usages=["client_auth"],
                validity_days=365, key_type="rsa", key_size=2048)
    args.update(extra)
    return _pki.CertificateSpec(**args)


@pytest.fixture(scope="module")
def issued(ca):
    """A key and a certificate as the module would write them (PEM bytes)."""
    key = _pki.generate_private_key("rsa", 2048)
    cert = _pki.issue_certificate(spec(), key.public_key(), ca["cert"], ca["key"], now=NOW)
    return _pki.private_key_to_pem(key), _pki.certificate_to_pem(cert)


def test_nothing_there_new_key_and_certificate(ca):
    plan = xp.plan(spec(), None, None, ca["cert"], 30, now=NOW, key_path="k.key", cert_path="c.crt")
    assert plan.new_key and plan.issue and plan.key is None and plan.old_cert is None and plan.before == ""
    assert plan.reasons == ["the private key k.key does not exist; generating a new rsa 2048 key",
                            "the certificate c.crt does not exist"]


def test_issue_after_the_plan_verifies_with_openssl_and_the_next_plan_is_empty(ca, issued, tmp_path):
    key_pem, cert_pem = issued
    (tmp_path / "c.crt").write_bytes(cert_pem)
    assert sh("openssl verify -CAfile %s %s" % (ca["path"], tmp_path / "c.crt")).strip().endswith("OK")
    plan = xp.plan(spec(), key_pem, cert_pem, ca["cert"], 30, now=NOW + datetime.timedelta(days=1))
    assert not plan.issue and plan.reasons == [] and not plan.new_key
    assert _pki.public_key_der(plan.key) == _pki.public_key_der(_pki.load_certificate(cert_pem))
    assert plan.before.startswith("subject: CN=kube-apiserver-kubelet-client,O=system:masters\n")
    out = xp.outcome(plan, spec(), ca["cert"], key=plan.key)
    assert out["after"] == plan.before and out["serial"] == _pki.certificate_info(plan.old_cert)["serial"]


def test_key_kept_certificate_missing_or_near_expiry(ca, issued):
    key_pem, cert_pem = issued
    plan = xp.plan(spec(), key_pem, None, ca["cert"], 30, now=NOW, cert_path="c.crt")
    assert plan.issue and not plan.new_key and plan.reasons == ["the certificate c.crt does not exist"]
    later = NOW + datetime.timedelta(days=340)
    plan = xp.plan(spec(), key_pem, cert_pem, ca["cert"], 30, now=later)
    assert plan.issue and not plan.new_key and "within renew_before_days=30" in plan.reasons[0]


def test_spec_change_reissues_with_the_same_key(ca, issued):
    key_pem, cert_pem = issued
    plan = xp.plan(spec(organizations=["system:nodes"]), key_pem, cert_pem, ca["cert"], 30, now=NOW)
    assert plan.issue and not plan.new_key and plan.reasons == [
        "subject organizations are ['system:masters'], spec wants ['system:nodes']"]


@pytest.mark.parametrize("key_pem", [b"garbage", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"])
def test_unusable_key_needs_regenerate_key(ca, issued, key_pem):
    with pytest.raises(_pki.PKIError, match="set regenerate_key=true to replace it with a new rsa 2048 key"):
        xp.plan(spec(), key_pem, issued[1], ca["cert"], 30, now=NOW, key_path="k.key")
    plan = xp.plan(spec(), key_pem, issued[1], ca["cert"], 30, regenerate_key=True, now=NOW)
    assert plan.new_key and plan.issue
    assert plan.reasons[0].startswith("the existing private key cannot be loaded")
    assert plan.reasons[1] == "the certificate must be reissued for the new private key"


def test_key_of_another_type_needs_regenerate_key(ca, issued):
    key_pem, cert_pem = issued
    with pytest.raises(_pki.PKIError, match="private key is rsa 2048, spec wants ecdsa secp256r1; set regenerate_key"):
        xp.plan(spec(key_type="ecdsa"), key_pem, cert_pem, ca["cert"], 30, now=NOW, key_path="k.key")
    plan = xp.plan(spec(key_type="ecdsa"), key_pem, cert_pem, ca["cert"], 30, regenerate_key=True, now=NOW)
    assert plan.new_key and plan.reasons[0] == ("private key is rsa 2048, spec wants ecdsa secp256r1; "
                                                "regenerate_key=true: generating a new key")


def test_regenerate_key_replaces_a_good_key(ca, issued):
    plan = xp.plan(spec(), issued[0], issued[1], ca["cert"], 30, regenerate_key=True, now=NOW)
    assert plan.new_key and plan.key is None
    assert plan.reasons == ["regenerate_key=true: generating a new rsa 2048 private key",
                            "the certificate must be reissued for the new private key"]


def test_unparsable_certificate_is_reissued(ca, issued):
    plan = xp.plan(spec(), issued[0], b"not a certificate", ca["cert"], 30, now=NOW)
    assert plan.issue and not plan.new_key and plan.before == "(unreadable certificate)\n"
    assert plan.reasons == ["the existing certificate cannot be parsed: no PEM certificate found "
                            "(expected a '-----BEGIN CERTIFICATE-----' block)"]


def test_outcome_in_check_mode_predicts_without_a_certificate(ca):
    the_spec = spec(dns_names=["kubelet-client"], ip_addresses=["10.0.0.10"])
    plan = xp.plan(the_spec, None, None, ca["cert"], 30, now=NOW)
    out = xp.outcome(plan, the_spec, ca["cert"], now=NOW)
    assert out["serial"] is None and out["not_after"] == "2027-11-29T12:00:00Z"
    assert out["subject"] == "CN=kube-apiserver-kubelet-client,O=system:masters"
    assert out["after"] == ("subject: CN=kube-apiserver-kubelet-client,O=system:masters\n"
                            "issuer: CN=kubernetes\n"
                            "not_after: 2027-11-29T12:00:00Z\n"
                            "serial: (new, random)\n"
                            "subject_alt_names: DNS:kubelet-client, IP:10.0.0.10\n"
                            "private_key: rsa 2048 (new)\n")


def test_parse_sans():
    assert xp.parse_sans(["DNS:lb1", "ip: 10.0.0.1", "dns:cp1"]) == (["lb1", "cp1"], ["10.0.0.1"])
    for bad in ("node-1", "DNS:", "URI:x"):
        with pytest.raises(_pki.PKIError, match="must look like 'DNS:name' or 'IP:address'"):
            xp.parse_sans([bad])
