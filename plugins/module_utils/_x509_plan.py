# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``x509_certificate`` does with a key and a certificate, and why, decided without
touching a file (the key/certificate lifecycle of the module as pure functions).

Modelled on community.crypto's ``x509_certificate`` backends, which decide "needs
regeneration?" from explicit reasons; the reasons about the certificate itself are
:func:`_pki.regeneration_reasons` (RFC 5280 fields, the CA's signature, the remaining
validity). No Ansible imports; ``cryptography`` through ``_pki``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime

from ansible_collections.hardway.nodejoin.plugins.module_utils import _pki

#: The decision of :func:`plan`.
#: ``key``: the existing private key to keep (``None`` when a new one is to be generated);
#: ``new_key``: generate a new key; ``issue``: issue a new certificate; ``reasons``: why (list
#: of str, empty when nothing is to be done); ``old_cert``: the existing certificate or
#: ``None``; ``before``: the :func:`summary` of the existing certificate for the diff.
Plan = collections.namedtuple("Plan", ["key", "new_key", "issue", "reasons", "old_cert", "before"])


def spec_key_text(spec):
    """The key a spec asks for, as :func:`_pki.describe_key` words it (``rsa 2048``, ``ecdsa secp256r1``)."""
    return "rsa %d" % spec.key_size if spec.key_type == "rsa" else "ecdsa %s" % spec.curve


def parse_sans(values):
    """``(dns_names, ip_addresses)`` (lists of str) from entries ``DNS:name`` / ``IP:address``
    (the prefix in any case). Raises :class:`_pki.PKIError` naming a malformed entry."""
    dns, ips = [], []
    for value in values or []:
        kind, sep, name = str(value).partition(":")
        kind = kind.strip().upper()
        if not sep or not name.strip() or kind not in ("DNS", "IP"):
            raise _pki.PKIError("subject_alt_names entry %r must look like 'DNS:name' or 'IP:address'" % (value,))
        (dns if kind == "DNS" else ips).append(name.strip())
    return dns, ips


def summary(subject, issuer, not_after, serial, dns_names, ip_addresses, key_text):
    """The text shown as a certificate in the module's diff (str, one ``field: value`` a line)."""
    sans = ["DNS:%s" % d for d in dns_names] + ["IP:%s" % i for i in ip_addresses]
    return "".join([
        "subject: %s\n" % subject,
        "issuer: %s\n" % issuer,
        "not_after: %s\n" % not_after,
        "serial: %s\n" % serial,
        "subject_alt_names: %s\n" % (", ".join(sans) if sans else "(none)"),
        "private_key: %s\n" % key_text,
    ])


def certificate_summary(cert):
    """:func:`summary` of an existing certificate."""
    info = _pki.certificate_info(cert)
    return summary(info["subject"], info["issuer"], info["not_after"], info["serial"], info["dns_names"],
                   info["ip_addresses"], _pki.describe_key(cert.public_key()))


def load_ca_pair(cert_pem, key_pem, cert_path="the CA certificate", key_path="the CA private key"):
    """The signing CA: its certificate and private key, parsed and checked to belong together
    (the same public key, compared as DER SubjectPublicKeyInfo, RFC 5280 4.1.2.7).

    :param cert_pem: the CA certificate file's bytes (PEM).
    :param key_pem: the CA private key file's bytes (PEM, unencrypted).
    :param cert_path: the certificate file's name, for the messages.
    :param key_path: the key file's name, for the messages.
    :returns: ``(ca_cert, ca_key)``, ``cryptography`` objects.
    :raises _pki.PKIError: either cannot be parsed, or the key is not the certificate's; the
        message names the file.
    """
    try:
        ca_cert = _pki.load_certificate(cert_pem)
    except _pki.PKIError as exc:
        raise _pki.PKIError("CA certificate %s: %s" % (cert_path, exc))
    try:
        ca_key = _pki.load_private_key(key_pem)
    except _pki.PKIError as exc:
        raise _pki.PKIError("CA private key %s: %s" % (key_path, exc))
    if _pki.public_key_der(ca_key) != _pki.public_key_der(ca_cert):
        raise _pki.PKIError("the CA private key %s does not match the CA certificate %s" % (key_path, cert_path))
    return ca_cert, ca_key


def plan(spec, key_pem, cert_pem, ca_cert, renew_before_days, regenerate_key=False, now=None,
         key_path="the private key", cert_path="the certificate"):
    """Decide whether to generate a key and issue a certificate, and say why.

    :param spec: the wanted :class:`_pki.CertificateSpec`.
    :param key_pem: the private key file's bytes, or ``None`` when there is no such file.
    :param cert_pem: the certificate file's bytes, or ``None`` when there is no such file.
    :param ca_cert: the CA certificate (``cryptography`` object) that signs.
    :param renew_before_days: reissue when the certificate expires within this many days.
    :param regenerate_key: replace a key that exists (also one that cannot be used).
    :param now: aware UTC datetime (default now).
    :param key_path: the key file's name, for the reasons.
    :param cert_path: the certificate file's name, for the reasons.
    :returns: :data:`Plan`. A new key always means a new certificate; a certificate that cannot be
        parsed is reissued; else the reasons are :func:`_pki.regeneration_reasons`.
    :raises _pki.PKIError: the existing key cannot be loaded or is not of the spec's type, size or
        curve, and ``regenerate_key`` is false (the message says to set it).
    """
    now = now or _pki.utcnow()
    wanted_key = spec_key_text(spec)
    reasons = []
    key = None
    if key_pem is None:
        reasons.append("the private key %s does not exist; generating a new %s key" % (key_path, wanted_key))
    else:
        try:
            key = _pki.load_private_key(key_pem)
        except _pki.PKIError as exc:
            if not regenerate_key:
                raise _pki.PKIError("the existing private key %s cannot be used: %s; set regenerate_key=true to replace "
                                    "it with a new %s key" % (key_path, exc, wanted_key))
            reasons.append("the existing private key cannot be loaded (%s); regenerate_key=true: generating a new %s "
                           "key" % (exc, wanted_key))
        else:
            mismatch = _pki.key_spec_mismatch(spec, key)
            if mismatch and not regenerate_key:
                raise _pki.PKIError("%s: %s; set regenerate_key=true to replace it (this also reissues the certificate)"
                                    % (key_path, mismatch))
            if mismatch:
                reasons.append("%s; regenerate_key=true: generating a new key" % mismatch)
                key = None
            elif regenerate_key:
                reasons.append("regenerate_key=true: generating a new %s private key" % wanted_key)
                key = None
    new_key = key is None

    old_cert = None
    before = ""
    if cert_pem is None:
        reasons.append("the certificate %s does not exist" % cert_path)
    else:
        try:
            old_cert = _pki.load_certificate(cert_pem)
        except _pki.PKIError as exc:
            reasons.append("the existing certificate cannot be parsed: %s" % exc)
            before = "(unreadable certificate)\n"
        else:
            before = certificate_summary(old_cert)
            if new_key:
                reasons.append("the certificate must be reissued for the new private key")
            else:
                reasons.extend(_pki.regeneration_reasons(spec, old_cert, key, ca_cert, renew_before_days, now=now))
    return Plan(key=key, new_key=new_key, issue=bool(reasons), reasons=reasons, old_cert=old_cert, before=before)


def outcome(the_plan, spec, ca_cert, key=None, new_cert=None, now=None):
    """What the module reports after (or, in check mode, instead of) carrying out ``the_plan``.

    :param key: the key the certificate is for (the new one once generated; ``None`` in check
        mode with a key still to generate).
    :param new_cert: the issued certificate, ``None`` when none was issued (nothing to do, or check mode).
    :returns: dict ``serial`` (decimal str, ``None`` when a certificate would be issued in check
        mode), ``not_after`` (``YYYY-MM-DDTHH:MM:SSZ``), ``subject`` (RFC 4514) and ``after``
        (the diff's :func:`summary`).
    """
    now = now or _pki.utcnow()
    if new_cert is not None or not the_plan.issue:
        info = _pki.certificate_info(new_cert if new_cert is not None else the_plan.old_cert)
        serial, not_after, subject = info["serial"], info["not_after"], info["subject"]
    else:
        serial = None
        not_after = _pki.format_time(now + datetime.timedelta(days=spec.validity_days))
        subject = _pki.subject_name(spec).rfc4514_string()
    if not the_plan.issue:
        after = the_plan.before
    else:
        key_text = _pki.describe_key(key) if key is not None else spec_key_text(spec)
        if the_plan.new_key:
            key_text += " (new)"
        after = summary(subject, ca_cert.subject.rfc4514_string(), not_after,
                        serial if serial is not None else "(new, random)", spec.dns_names, spec.ip_addresses, key_text)
    return dict(serial=serial, not_after=not_after, subject=subject, after=after)
