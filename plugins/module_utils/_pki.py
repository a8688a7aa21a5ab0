# -*- coding: utf-8 -*-
# Copyright: (c) 2025, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small X.509 toolkit for the hardway.nodejoin modules and filters.

Pure Python over the ``cryptography`` package, no Ansible imports, so it can be
unit tested on its own and shipped to managed hosts by AnsiballZ.

Compatibility: cryptography 38.0.4 (Debian bookworm's python3-cryptography)
through 50.x.  Deliberately avoided: ``x509.load_pem_x509_certificates`` (39+,
PEM blocks are split here), ``Certificate.verify_directly_issued_by`` (40+,
signatures are verified by hand), ``Certificate.not_valid_after_utc`` (42+,
used only when present because the naive ``not_valid_after`` is deprecated
there) and ``Certificate.signature_algorithm_parameters`` (41+, used only when
present, for RSASSA-PSS signatures).

Importing this file never fails for lack of ``cryptography``: check
``HAS_CRYPTOGRAPHY`` (and show ``CRYPTOGRAPHY_IMPORT_ERROR``) before calling
anything else.

All times are timezone-aware UTC ``datetime`` objects; a naive ``now`` passed
in is taken to be UTC.  Durations given as integers are in days unless the
name says otherwise.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import hashlib
import ipaddress
import re
import traceback

from dataclasses import dataclass, field
from typing import List

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import NameOID
except ImportError:
    # Callers check HAS_CRYPTOGRAPHY and report CRYPTOGRAPHY_IMPORT_ERROR (Ansible modules use
    # missing_required_lib); importing this file must work without cryptography.
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None


__all__ = [
    "HAS_CRYPTOGRAPHY",
    "CRYPTOGRAPHY_IMPORT_ERROR",
    "PKIError",
    "CertificateSpec",
    "load_certificates",
    "load_certificate",
    "load_private_key",
    "generate_private_key",
    "private_key_to_pem",
    "certificate_to_pem",
    "public_key_der",
    "ca_cert_hash",
    "ca_cert_hashes",
    "describe_key",
    "key_spec_mismatch",
    "subject_name",
    "issue_certificate",
    "regeneration_reasons",
    "certificate_info",
    "format_time",
    "utcnow",
    "CLOCK_SKEW",
]


class PKIError(ValueError):
    """Any problem with PEM input, a key, a certificate or a certificate spec.

    Subclasses ``ValueError`` so callers that only know about ``ValueError``
    still catch it.  The message is meant to be shown to a human as is.
    """


#: How far ``not_before`` is back-dated by :func:`issue_certificate` so that a
#: host whose clock is slightly behind the signer's accepts the certificate
#: immediately (kubeadm does the same).
CLOCK_SKEW = datetime.timedelta(minutes=5)

_PEM_CERT_RE = re.compile(
    br"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)

# RFC 5280 section 4.2.1.3 KeyUsage bit names -> cryptography.x509.KeyUsage
# keyword arguments.  Keys are the canonical (snake_case) names.
_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)
_KEY_USAGE_ALIASES = {
    # RFC 5280 / OpenSSL spelling of bit 1
    "non_repudiation": "content_commitment",
    "c_r_l_sign": "crl_sign",
}

# RFC 5280 section 4.2.1.12 ExtendedKeyUsage purposes (id-kp-*, 1.3.6.1.5.5.7.3.x).
_EXTENDED_KEY_USAGES = {
    "server_auth": "1.3.6.1.5.5.7.3.1",
    "client_auth": "1.3.6.1.5.5.7.3.2",
    "code_signing": "1.3.6.1.5.5.7.3.3",
    "email_protection": "1.3.6.1.5.5.7.3.4",
    "time_stamping": "1.3.6.1.5.5.7.3.8",
    "ocsp_signing": "1.3.6.1.5.5.7.3.9",
}
_EXTENDED_KEY_USAGE_ALIASES = {
    # OpenSSL short names / long names
    "tls_web_server_authentication": "server_auth",
    "tls_web_client_authentication": "client_auth",
    "o_c_s_p_signing": "ocsp_signing",
}
_EKU_NAME_BY_OID = dict((oid, name) for name, oid in _EXTENDED_KEY_USAGES.items())
_OID_RE = re.compile(r"^[0-2](\.[0-9]+)+$")

# curve name (lower case) -> cryptography.hazmat.primitives.asymmetric.ec class name
_CURVES = {
    "secp256r1": "SECP256R1",
    "prime256v1": "SECP256R1",
    "p-256": "SECP256R1",
    "p256": "SECP256R1",
    "secp384r1": "SECP384R1",
    "p-384": "SECP384R1",
    "p384": "SECP384R1",
    "secp521r1": "SECP521R1",
    "p-521": "SECP521R1",
    "p521": "SECP521R1",
}
_KEY_TYPES = {"rsa": "rsa", "ecdsa": "ecdsa", "ec": "ecdsa"}


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def _to_bytes(data, what):
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray):
        return bytes(data)
    if isinstance(data, str):
        # text around the PEM blocks (openssl -text output, comments) may be any UTF-8
        return data.encode("utf-8", "surrogateescape")
    raise PKIError("%s must be PEM text (str or bytes), got %s" % (what, type(data).__name__))


def _snake(name):
    """'digitalSignature' / 'Digital Signature' / 'digital-signature' -> 'digital_signature'."""
    name = str(name).strip()
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[\s\-]+", "_", name).lower()


def _normalize_key_usages(values):
    result = []
    for value in values or []:
        name = _snake(value)
        name = _KEY_USAGE_ALIASES.get(name, name)
        if name not in _KEY_USAGES:
            raise PKIError("unknown key usage %r; valid names: %s" % (value, ", ".join(_KEY_USAGES)))
        if name not in result:
            result.append(name)
    return result


def _normalize_extended_key_usages(values):
    result = []
    for value in values or []:
        text = str(value).strip()
        if _OID_RE.match(text):
            name = _EKU_NAME_BY_OID.get(text, text)
        else:
            name = _snake(text)
            name = _EXTENDED_KEY_USAGE_ALIASES.get(name, name)
            if name not in _EXTENDED_KEY_USAGES:
                raise PKIError("unknown extended key usage %r; valid names: %s, or a dotted OID"
                               % (value, ", ".join(sorted(_EXTENDED_KEY_USAGES))))
        if name not in result:
            result.append(name)
    return result


def _eku_oid(name):
    return x509.ObjectIdentifier(_EXTENDED_KEY_USAGES.get(name, name))


def _eku_name(oid):
    return _EKU_NAME_BY_OID.get(oid.dotted_string, oid.dotted_string)


def _normalize_ip(value):
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise PKIError("invalid IP address %r in ip_addresses" % (value,))


def _normalize_dns(value):
    text = str(value).strip()
    if not text:
        raise PKIError("empty DNS name in dns_names")
    try:
        text.encode("ascii")
    except UnicodeEncodeError:
        raise PKIError("DNS name %r is not ASCII; give internationalized names as A-labels (xn--...)" % (value,))
    return text


def utcnow():
    """Return the current time as a timezone-aware UTC ``datetime``, whole seconds.

    X.509 times (RFC 5280 section 4.1.2.5) have one-second resolution, so the
    microseconds are dropped to make computed validity periods match what ends
    up in the certificate.
    """
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _aware(now):
    if now is None:
        return utcnow()
    if not isinstance(now, datetime.datetime):
        raise PKIError("now must be a datetime, got %s" % type(now).__name__)
    if now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    return now.astimezone(datetime.timezone.utc).replace(microsecond=0)


def _not_valid_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)  # cryptography >= 42
    if value is None:
        value = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    return value


def _not_valid_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)  # cryptography >= 42
    if value is None:
        value = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def format_time(value):
    """Format a ``datetime`` as ISO 8601 UTC ``YYYY-MM-DDTHH:MM:SSZ``.

    :param value: aware ``datetime`` (naive values are taken to be UTC).
    :returns: str, e.g. ``'2026-01-31T12:00:00Z'``.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _get_extension(cert, ext_class):
    try:
        return cert.extensions.get_extension_for_class(ext_class).value
    except x509.ExtensionNotFound:
        return None


# --------------------------------------------------------------------------
# loading / serialising
# --------------------------------------------------------------------------

def load_certificates(pem_bytes):
    """Parse every ``CERTIFICATE`` PEM block (RFC 7468 section 5) in a bundle.

    Text outside the blocks (comments, ``openssl x509 -text`` output, other
    PEM types) is ignored; leading/trailing whitespace on lines inside a block
    is tolerated (for PEM pasted into indented YAML).

    :param pem_bytes: PEM text, ``bytes`` or ``str``.
    :returns: list of ``cryptography.x509.Certificate``, in file order, at least one.
    :raises PKIError: input is not text, holds no certificate block, or a block
        does not decode to a DER X.509 certificate (the message says which one,
        counting from 1).
    """
    data = _to_bytes(pem_bytes, "certificate PEM")
    blocks = _PEM_CERT_RE.findall(data)
    if not blocks:
        raise PKIError("no PEM certificate found (expected a '-----BEGIN CERTIFICATE-----' block)")
    certs = []
    for index, body in enumerate(blocks, start=1):
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        pem = b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"
        try:
            certs.append(x509.load_pem_x509_certificate(pem))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise PKIError("certificate #%d of %d in the PEM data cannot be parsed: %s"
                           % (index, len(blocks), exc))
    return certs


def load_certificate(pem_bytes):
    """Parse a PEM file that holds exactly one certificate.

    :param pem_bytes: PEM text, ``bytes`` or ``str``.
    :returns: ``cryptography.x509.Certificate``.
    :raises PKIError: as :func:`load_certificates`, or when the data holds more
        than one certificate (use :func:`load_certificates` for bundles).
    """
    certs = load_certificates(pem_bytes)
    if len(certs) != 1:
        raise PKIError("expected exactly one certificate in the PEM data, found %d" % len(certs))
    return certs[0]


def load_private_key(pem_bytes):
    """Parse an unencrypted PEM private key.

    Accepts PKCS#8 (``PRIVATE KEY``, RFC 5208/5958), PKCS#1 (``RSA PRIVATE
    KEY``, RFC 8017) and SEC 1 (``EC PRIVATE KEY``, RFC 5915) encodings.

    :param pem_bytes: PEM text, ``bytes`` or ``str``.
    :returns: a ``cryptography`` private key object (RSA, EC, ...).
    :raises PKIError: not text, not a PEM private key, encrypted, or of an
        unsupported algorithm.
    """
    data = _to_bytes(pem_bytes, "private key PEM")
    if b"-----BEGIN" not in data or b"PRIVATE KEY-----" not in data:
        raise PKIError("no PEM private key found (expected a '-----BEGIN ... PRIVATE KEY-----' block)")
    if b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data:
        raise PKIError("the private key is encrypted; only unencrypted keys are supported")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise PKIError("the private key cannot be loaded without a password: %s" % exc)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise PKIError("the private key cannot be parsed: %s" % exc)


def generate_private_key(key_type="rsa", key_size=2048, curve="secp256r1"):
    """Generate a new private key.

    :param key_type: ``'rsa'`` or ``'ecdsa'`` (``'ec'`` is accepted as an alias).
    :param key_size: RSA modulus size in bits (ignored for ECDSA), public
        exponent is 65537.
    :param curve: ECDSA curve name (ignored for RSA): ``secp256r1`` (P-256,
        also ``prime256v1``/``P-256``), ``secp384r1``, ``secp521r1``.
    :returns: ``rsa.RSAPrivateKey`` or ``ec.EllipticCurvePrivateKey``.
    :raises PKIError: unknown key type or curve, unsupported key size.
    """
    kind = _KEY_TYPES.get(str(key_type).lower())
    if kind == "rsa":
        try:
            return rsa.generate_private_key(public_exponent=65537, key_size=int(key_size))
        except (ValueError, TypeError) as exc:
            raise PKIError("cannot generate an RSA key of size %r: %s" % (key_size, exc))
    if kind == "ecdsa":
        return ec.generate_private_key(_curve_class(curve)())
    raise PKIError("unsupported key type %r; use 'rsa' or 'ecdsa'" % (key_type,))


def _curve_class(curve):
    name = _CURVES.get(str(curve).strip().lower())
    if name is None:
        raise PKIError("unsupported ECDSA curve %r; use secp256r1 (P-256), secp384r1 or secp521r1" % (curve,))
    return getattr(ec, name)


def private_key_to_pem(key):
    """Serialise a private key as unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``).

    :returns: bytes.
    """
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def certificate_to_pem(cert):
    """Serialise a certificate as PEM (``-----BEGIN CERTIFICATE-----``).

    :returns: bytes.
    """
    return cert.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------
# hashes
# --------------------------------------------------------------------------

def public_key_der(obj):
    """DER encoding of the SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7).

    :param obj: a ``Certificate``, a public key, or a private key (its public half is used).
    :returns: bytes.
    :raises PKIError: the object has no public key.
    """
    if isinstance(obj, x509.Certificate):
        public_key = obj.public_key()
    elif hasattr(obj, "public_bytes"):
        public_key = obj
    elif hasattr(obj, "public_key"):
        public_key = obj.public_key()
    else:
        raise PKIError("expected a certificate or a key, got %s" % type(obj).__name__)
    return public_key.public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def ca_cert_hash(cert):
    """Public key pin of a CA certificate in kubeadm's format.

    The value of ``kubeadm join --discovery-token-ca-cert-hash``: SHA-256 over
    the DER-encoded SubjectPublicKeyInfo of the certificate (the pin of RFC 7469
    section 2.4, hex encoded instead of base64), prefixed with ``sha256:``.
    Equivalent to ``openssl x509 -pubkey -noout -in ca.crt | openssl pkey
    -pubin -outform der | openssl dgst -sha256 -hex``.

    :param cert: ``Certificate`` (or a public/private key object).
    :returns: str ``'sha256:'`` + 64 lowercase hex digits.
    :raises PKIError: the object has no public key.
    """
    return "sha256:" + hashlib.sha256(public_key_der(cert)).hexdigest()


def ca_cert_hashes(pem_bytes):
    """kubeadm CA hashes (see :func:`ca_cert_hash`) for every certificate of a PEM bundle.

    :param pem_bytes: PEM text, ``bytes`` or ``str``.
    :returns: list of ``'sha256:<hex>'`` strings, one per certificate, in file order.
    :raises PKIError: as :func:`load_certificates`.
    """
    return [ca_cert_hash(cert) for cert in load_certificates(pem_bytes)]


# --------------------------------------------------------------------------
# spec
# --------------------------------------------------------------------------

@dataclass
class CertificateSpec:
    """What a leaf certificate and its key should look like.

    Fields (names are normalised and validated on construction):

    * ``common_name`` (str, required): subject CN (RFC 5280 4.1.2.6; X.520 commonName).
    * ``organizations`` (list of str): subject O attributes, one RDN each, order
      irrelevant for comparisons (Kubernetes reads them as groups).
    * ``key_usages`` (list of str): RFC 5280 4.2.1.3 bits, snake_case names
      ``digital_signature``, ``content_commitment`` (alias ``non_repudiation``),
      ``key_encipherment``, ``data_encipherment``, ``key_agreement``,
      ``key_cert_sign``, ``crl_sign``, ``encipher_only``, ``decipher_only``;
      camelCase (OpenSSL) and "Title Case" spellings are accepted too.  Default
      ``["digital_signature", "key_encipherment"]``.  Empty: no KeyUsage extension.
    * ``extended_key_usages`` (list of str): RFC 5280 4.2.1.12 purposes
      ``client_auth``, ``server_auth``, ``code_signing``, ``email_protection``,
      ``time_stamping``, ``ocsp_signing`` or a dotted OID.  Default
      ``["client_auth"]``.  Empty: no ExtendedKeyUsage extension.
    * ``dns_names`` / ``ip_addresses`` (lists of str): SubjectAlternativeName
      entries (RFC 5280 4.2.1.6); IP addresses are normalised (``::1`` etc.).
    * ``validity_days`` (int, days, > 0): default 365.
    * ``key_type`` (``rsa`` | ``ecdsa``), ``key_size`` (RSA bits, default 2048),
      ``curve`` (ECDSA curve, default ``secp256r1``).

    :raises PKIError: on an empty CN, unknown usage/curve/key type, bad IP
        address, non-ASCII DNS name, non-positive validity.
    """

    common_name: str
    organizations: List[str] = field(default_factory=list)
    key_usages: List[str] = field(default_factory=lambda: ["digital_signature", "key_encipherment"])
    extended_key_usages: List[str] = field(default_factory=lambda: ["client_auth"])
    dns_names: List[str] = field(default_factory=list)
    ip_addresses: List[str] = field(default_factory=list)
    validity_days: int = 365
    key_type: str = "rsa"
    key_size: int = 2048
    curve: str = "secp256r1"

    def __post_init__(self):
        if not isinstance(self.common_name, str) or not self.common_name.strip():
            raise PKIError("common_name must be a non-empty string")
        self.organizations = [str(o) for o in (self.organizations or [])]
        for org in self.organizations:
            if not org:
                raise PKIError("organizations must not contain empty strings")
        self.key_usages = _normalize_key_usages(self.key_usages)
        if ("encipher_only" in self.key_usages or "decipher_only" in self.key_usages) \
                and "key_agreement" not in self.key_usages:
            raise PKIError("key usages encipher_only/decipher_only require key_agreement (RFC 5280 4.2.1.3)")
        self.extended_key_usages = _normalize_extended_key_usages(self.extended_key_usages)
        self.dns_names = _dedupe([_normalize_dns(d) for d in (self.dns_names or [])])
        self.ip_addresses = _dedupe([_normalize_ip(i) for i in (self.ip_addresses or [])])
        try:
            self.validity_days = int(self.validity_days)
        except (TypeError, ValueError):
            raise PKIError("validity_days must be an integer number of days")
        if self.validity_days <= 0:
            raise PKIError("validity_days must be positive, got %d" % self.validity_days)
        kind = _KEY_TYPES.get(str(self.key_type).lower())
        if kind is None:
            raise PKIError("unsupported key type %r; use 'rsa' or 'ecdsa'" % (self.key_type,))
        self.key_type = kind
        try:
            self.key_size = int(self.key_size)
        except (TypeError, ValueError):
            raise PKIError("key_size must be an integer number of bits")
        if kind == "rsa" and self.key_size < 1024:
            raise PKIError("RSA key_size must be at least 1024 bits, got %d" % self.key_size)
        curve = _CURVES.get(str(self.curve).strip().lower())
        if curve is None:
            raise PKIError("unsupported ECDSA curve %r; use secp256r1 (P-256), secp384r1 or secp521r1"
                           % (self.curve,))
        self.curve = curve.lower()


def _dedupe(values):
    result = []
    for value in values:
        if value not in result:
            result.append(value)
    return result


def describe_key(key):
    """Short human description of a key: ``'rsa 2048'``, ``'ecdsa secp256r1'``, ``'ed25519'``.

    :param key: private or public key object.
    :returns: str.
    """
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "rsa %d" % key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "ecdsa %s" % key.curve.name
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "ed25519"
    if isinstance(key, (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)):
        return "ed448"
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return "dsa %d" % key.key_size
    return type(key).__name__


def _spec_key_description(spec):
    if spec.key_type == "rsa":
        return "rsa %d" % spec.key_size
    return "ecdsa %s" % spec.curve


def key_spec_mismatch(spec, key):
    """Say how a key differs from the key type/size/curve of a spec.

    :param spec: :class:`CertificateSpec`.
    :param key: private (or public) key object.
    :returns: ``None`` when the key fits, else a str such as
        ``'private key is ecdsa secp256r1, spec wants rsa 2048'``.
    """
    have = describe_key(key)
    want = _spec_key_description(spec)
    if have == want:
        return None
    return "private key is %s, spec wants %s" % (have, want)


def subject_name(spec):
    """Build the subject ``Name`` for a spec: one O RDN per organization, then the CN.

    Same RDN order as kubeadm's certificates (``O = system:masters, CN = ...``
    in OpenSSL's display; RFC 4514 string ``CN=...,O=...``).

    :returns: ``cryptography.x509.Name``.
    """
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in spec.organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name))
    return x509.Name(attrs)


def _key_usage_extension(names):
    kwargs = dict((name, name in names) for name in _KEY_USAGES)
    try:
        return x509.KeyUsage(**kwargs)
    except ValueError as exc:
        raise PKIError("invalid key usage combination: %s" % exc)


def _key_usage_names(cert):
    ku = _get_extension(cert, x509.KeyUsage)
    if ku is None:
        return set()
    names = set()
    for name in _KEY_USAGES:
        if name in ("encipher_only", "decipher_only") and not ku.key_agreement:
            continue  # reading them raises ValueError unless key_agreement is set
        if getattr(ku, name):
            names.add(name)
    return names


def _extended_key_usage_names(cert):
    eku = _get_extension(cert, x509.ExtendedKeyUsage)
    if eku is None:
        return set()
    return set(_eku_name(oid) for oid in eku)


def _san_entries(cert):
    """Return (dns set lowercased, ip set of str, other general names list)."""
    san = _get_extension(cert, x509.SubjectAlternativeName)
    dns, ips, other = set(), set(), []
    if san is None:
        return dns, ips, other
    for name in san:
        if isinstance(name, x509.DNSName):
            dns.add(name.value.lower())
        elif isinstance(name, x509.IPAddress):
            ips.add(str(name.value))
        else:
            other.append(name)
    return dns, ips, other


def _signature_hash_name(ca_key):
    if isinstance(ca_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return None
    return hashes.SHA256()


# --------------------------------------------------------------------------
# issuing
# --------------------------------------------------------------------------

def issue_certificate(spec, public_key, ca_cert, ca_key, now=None):
    """Issue a leaf certificate for ``public_key`` signed by a CA.

    The certificate follows RFC 5280 and mirrors what kubeadm issues:

    * version 3, serial from ``x509.random_serial_number()`` (positive, up to
      159 bits, RFC 5280 4.1.2.2);
    * ``not_before = now - 5 minutes`` (clock skew, :data:`CLOCK_SKEW`),
      ``not_after = now + spec.validity_days`` days (4.1.2.5);
    * subject from :func:`subject_name`, issuer = the CA's subject (4.1.2.4);
    * BasicConstraints ``CA:FALSE``, critical (4.2.1.9);
    * KeyUsage, critical (4.2.1.3), when ``spec.key_usages`` is not empty;
    * ExtendedKeyUsage, not critical (4.2.1.12), when not empty;
    * SubjectAlternativeName, not critical (4.2.1.6), when any DNS/IP is given;
    * SubjectKeyIdentifier (4.2.1.2, SHA-1 of the public key bits) and
      AuthorityKeyIdentifier (4.2.1.1) copied from the CA's SubjectKeyIdentifier,
      or derived from the CA public key when the CA certificate has none;
    * signed with SHA-256 (RSA PKCS#1 v1.5 or ECDSA; Ed25519/Ed448 CAs sign
      without a separate hash).

    :param spec: :class:`CertificateSpec`.
    :param public_key: the leaf's public key (a private key is accepted, its
        public half is used).
    :param ca_cert: CA ``Certificate``.
    :param ca_key: CA private key; must belong to ``ca_cert``.
    :param now: issue time, aware ``datetime`` (naive = UTC); default: now.
    :returns: ``cryptography.x509.Certificate``.
    :raises PKIError: the CA key does not match the CA certificate, or the spec
        cannot be encoded.
    """
    now = _aware(now)
    if not hasattr(public_key, "public_bytes") and hasattr(public_key, "public_key"):
        public_key = public_key.public_key()
    if public_key_der(ca_key) != public_key_der(ca_cert):
        raise PKIError("the CA private key does not match the CA certificate (%s)"
                       % ca_cert.subject.rfc4514_string())

    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(spec))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=spec.validity_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if spec.key_usages:
        builder = builder.add_extension(_key_usage_extension(spec.key_usages), critical=True)
    if spec.extended_key_usages:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([_eku_oid(name) for name in spec.extended_key_usages]), critical=False)
    sans = [x509.DNSName(name) for name in spec.dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.ip_addresses]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    ca_ski = _get_extension(ca_cert, x509.SubjectKeyIdentifier)
    if ca_ski is not None:
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    else:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
    builder = builder.add_extension(aki, critical=False)
    try:
        return builder.sign(private_key=ca_key, algorithm=_signature_hash_name(ca_key))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise PKIError("cannot sign the certificate: %s" % exc)


# --------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------

def _verify_signature(cert, issuer_public_key):
    """Return None when ``cert``'s signature verifies with the key, else a reason."""
    data = cert.tbs_certificate_bytes
    signature = cert.signature
    try:
        if isinstance(issuer_public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            issuer_public_key.verify(signature, data)
            return None
        algorithm = cert.signature_hash_algorithm
        if isinstance(issuer_public_key, rsa.RSAPublicKey):
            pad = getattr(cert, "signature_algorithm_parameters", None)  # cryptography >= 41
            if not isinstance(pad, (padding.PKCS1v15, padding.PSS)):
                pad = padding.PKCS1v15()
            issuer_public_key.verify(signature, data, pad, algorithm)
        elif isinstance(issuer_public_key, ec.EllipticCurvePublicKey):
            issuer_public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(issuer_public_key, dsa.DSAPublicKey):
            issuer_public_key.verify(signature, data, algorithm)
        else:
            return "cannot verify signatures made with a %s CA key" % type(issuer_public_key).__name__
    except InvalidSignature:
        return "the certificate signature does not verify with the CA public key"
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        return "the certificate signature cannot be checked against the CA public key: %s" % exc
    return None


def _names_of(name, oid):
    return [attr.value for attr in name.get_attributes_for_oid(oid)]


def regeneration_reasons(spec, cert, key, ca_cert, renew_before_days, now=None):
    """List why an existing certificate (and key) no longer satisfy a spec.

    Checks, in this order (each failing check adds one human-readable reason):

    1. the private key belongs to the certificate (same SubjectPublicKeyInfo);
    2. the key's type/size/curve equals the spec's (:func:`key_spec_mismatch`);
    3. subject (RFC 5280 4.1.2.6): exactly one CN equal to ``spec.common_name``,
       the set of O values equal to ``spec.organizations``, no other attributes;
    4. issuer (4.1.2.4) equals the CA certificate's subject, and the signature
       verifies with the CA public key (RSA PKCS#1 v1.5 -- or PSS when the
       certificate says so and cryptography >= 41 can tell --, ECDSA, with the
       certificate's own hash algorithm; Ed25519/Ed448);
    5. BasicConstraints is not ``CA:TRUE``;
    6. KeyUsage bits (4.2.1.3) equal ``spec.key_usages`` (missing extension = none);
    7. ExtendedKeyUsage purposes (4.2.1.12) equal ``spec.extended_key_usages``;
    8. SubjectAlternativeName (4.2.1.6): DNS names (case-insensitive) and IP
       addresses equal the spec's, and no other name types;
    9. validity (4.1.2.5): not before ``not_before`` (not yet valid) and more
       than ``renew_before_days`` days before ``not_after``.

    ``validity_days`` is not compared: a longer or shorter validity in the spec
    takes effect at the next renewal.

    :param spec: :class:`CertificateSpec`.
    :param cert: the existing ``Certificate``.
    :param key: the existing private key (``None``: skip checks 1 and 2).
    :param ca_cert: the CA ``Certificate`` that should have issued ``cert``.
    :param renew_before_days: int/float, days before ``not_after`` from which the
        certificate counts as due for renewal.
    :param now: aware ``datetime`` (naive = UTC); default: now.
    :returns: list of str, empty when the certificate can be kept.
    """
    now = _aware(now)
    reasons = []

    if key is not None:
        if public_key_der(key) != public_key_der(cert):
            reasons.append("the private key does not match the certificate's public key")
        mismatch = key_spec_mismatch(spec, key)
        if mismatch:
            reasons.append(mismatch)

    subject = cert.subject
    cns = _names_of(subject, NameOID.COMMON_NAME)
    if cns != [spec.common_name]:
        reasons.append("subject common name is %s, spec wants %r"
                       % (", ".join(repr(c) for c in cns) or "missing", spec.common_name))
    orgs = _names_of(subject, NameOID.ORGANIZATION_NAME)
    if sorted(set(orgs)) != sorted(set(spec.organizations)) or len(orgs) != len(set(orgs)):
        reasons.append("subject organizations are %s, spec wants %s"
                       % (sorted(orgs), sorted(spec.organizations)))
    others = [attr for attr in subject
              if attr.oid not in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)]
    if others:
        reasons.append("subject has attributes the spec does not ask for: %s"
                       % x509.Name(others).rfc4514_string())

    if cert.issuer != ca_cert.subject:
        reasons.append("issuer is %r, not the CA %r"
                       % (cert.issuer.rfc4514_string(), ca_cert.subject.rfc4514_string()))
    else:
        problem = _verify_signature(cert, ca_cert.public_key())
        if problem:
            reasons.append(problem)

    bc = _get_extension(cert, x509.BasicConstraints)
    if bc is not None and bc.ca:
        reasons.append("the certificate is a CA certificate (BasicConstraints CA:TRUE), spec wants a leaf")

    have_ku = _key_usage_names(cert)
    if have_ku != set(spec.key_usages):
        reasons.append("key usages are %s, spec wants %s" % (sorted(have_ku), sorted(spec.key_usages)))

    have_eku = _extended_key_usage_names(cert)
    if have_eku != set(spec.extended_key_usages):
        reasons.append("extended key usages are %s, spec wants %s"
                       % (sorted(have_eku), sorted(spec.extended_key_usages)))

    dns, ips, other = _san_entries(cert)
    want_dns = set(d.lower() for d in spec.dns_names)
    if dns != want_dns:
        reasons.append("DNS subject alternative names are %s, spec wants %s" % (sorted(dns), sorted(want_dns)))
    want_ips = set(spec.ip_addresses)
    if ips != want_ips:
        reasons.append("IP subject alternative names are %s, spec wants %s" % (sorted(ips), sorted(want_ips)))
    if other:
        reasons.append("subject alternative names include types the spec does not ask for: %s"
                       % ", ".join(str(o) for o in other))

    not_before = _not_valid_before(cert)
    not_after = _not_valid_after(cert)
    if not_before > now:
        reasons.append("the certificate is not valid yet (not before %s)" % format_time(not_before))
    if not_after <= now:
        reasons.append("the certificate expired at %s" % format_time(not_after))
    elif not_after - now <= datetime.timedelta(days=renew_before_days):
        left = not_after - now
        reasons.append("the certificate expires at %s, in %d days %d hours, within renew_before_days=%s"
                       % (format_time(not_after), left.days, left.seconds // 3600, renew_before_days))
    return reasons


def certificate_info(cert):
    """Summarise a certificate as plain JSON-able data.

    :param cert: ``Certificate``.
    :returns: dict with

        * ``subject`` / ``issuer``: RFC 4514 strings (e.g. ``'CN=x,O=y'``);
        * ``common_name``: first CN or ``None``; ``organizations``: list of O values;
        * ``serial``: decimal string; ``serial_hex``: upper-case hex padded to
          an even number of digits, as ``openssl x509 -serial`` prints it;
        * ``not_before`` / ``not_after``: ``'YYYY-MM-DDTHH:MM:SSZ'`` (UTC);
        * ``dns_names`` / ``ip_addresses``: SubjectAlternativeName entries (lists of str);
        * ``key_usages`` / ``extended_key_usages``: sorted names (see :class:`CertificateSpec`);
        * ``is_ca``: bool from BasicConstraints;
        * ``public_key``: e.g. ``'rsa 2048'``;
        * ``ca_cert_hash``: :func:`ca_cert_hash` of the certificate's own public key.
    """
    dns, ips = [], []
    san = _get_extension(cert, x509.SubjectAlternativeName)
    if san is not None:
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    cns = _names_of(cert.subject, NameOID.COMMON_NAME)
    serial_hex = "%X" % cert.serial_number
    if len(serial_hex) % 2:
        serial_hex = "0" + serial_hex
    bc = _get_extension(cert, x509.BasicConstraints)
    return {
        "subject": cert.subject.rfc4514_string(),
        "common_name": cns[0] if cns else None,
        "organizations": _names_of(cert.subject, NameOID.ORGANIZATION_NAME),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": str(cert.serial_number),
        "serial_hex": serial_hex,
        "not_before": format_time(_not_valid_before(cert)),
        "not_after": format_time(_not_valid_after(cert)),
        "dns_names": list(dns),
        "ip_addresses": ips,
        "key_usages": sorted(_key_usage_names(cert)),
        "extended_key_usages": sorted(_extended_key_usage_names(cert)),
        "is_ca": bool(bc is not None and bc.ca),
        "public_key": describe_key(cert.public_key()),
        "ca_cert_hash": ca_cert_hash(cert),
    }


def select_pinned(pem_bytes, pins):
    """Keep only the certificates of a CA bundle whose kubeadm CA hash is pinned.

    A bundle whose first certificate is pinned must not smuggle an unpinned second CA
    into the kubelet's trust: every certificate is checked on its own (CA pinning,
    RFC 7469 SPKI hashes, as kubeadm's ``--discovery-token-ca-cert-hash``).

    :param pem_bytes: PEM text (``bytes`` or ``str``) with one or more certificates.
    :param pins: iterable of ``'sha256:<hex>'`` (case and blanks ignored); empty means
        no pinning: every certificate is kept.
    :returns: ``(pem_text, kept_hashes, all_hashes)``: the PEM (``str``) of the pinned
        certificates in file order, their hashes, and the hashes of every certificate.
    :raises PKIError: no certificate in the input (see :func:`load_certificates`), or
        none of them is pinned (the message lists the hashes found).
    """
    certs = load_certificates(pem_bytes)
    wanted = set(str(p).strip().lower() for p in pins or ())
    found = [ca_cert_hash(c) for c in certs]
    keep = [(c, h) for c, h in zip(certs, found) if not wanted or h in wanted]
    if not keep:
        raise PKIError("none of the certificates of this CA (%s) matches the pinned CA cert hashes: "
                       "refusing to trust it" % ", ".join(found))
    pem = "".join(certificate_to_pem(c).decode("ascii") for c, _h in keep)
    return pem, [h for _c, h in keep], found
