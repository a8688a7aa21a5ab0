# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstrap tokens: format, generation, the ``bootstrap-token-<id>`` Secret, and the
detached JWS the bootstrapsigner puts in ``kube-public/cluster-info``.

Sources: the Kubernetes documentation "Authenticating with Bootstrap Tokens" and the
constants of ``k8s.io/cluster-bootstrap/token/api`` (names, patterns, usages, groups);
``k8s.io/cluster-bootstrap/token/jws`` for the JWS (RFC 7515 compact serialization,
HS256, header ``kid`` = token-id, HMAC key = token-secret, payload detached).
No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import math
import re
import secrets
import warnings

try:
    import jwt as _pyjwt  # PyJWT; Debian: python3-jwt

    HAS_PYJWT = True
except ImportError:  # pragma: no cover - exercised on hosts without the library
    _pyjwt = None
    HAS_PYJWT = False

TOKEN_ID_PATTERN = re.compile(r"\A[a-z0-9]{6}\Z")
TOKEN_SECRET_PATTERN = re.compile(r"\A[a-z0-9]{16}\Z")
TOKEN_PATTERN = re.compile(r"\A([a-z0-9]{6})\.([a-z0-9]{16})\Z")
#: Extra groups a bootstrap token may carry (``BootstrapGroupPattern``).
GROUP_PATTERN = re.compile(r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\Z")
TOKEN_CHARSET = "abcdefghijklmnopqrstuvwxyz0123456789"

SECRET_NAMESPACE = "kube-system"
SECRET_PREFIX = "bootstrap-token-"
SECRET_TYPE = "bootstrap.kubernetes.io/token"
USAGE_PREFIX = "usage-bootstrap-"
KNOWN_USAGES = ("authentication", "signing")
DEFAULT_GROUP = "system:bootstrappers"
USER_PREFIX = "system:bootstrap:"
#: Label this collection puts on the Secrets it creates, so it can reuse and clean up
#: only its own tokens.
MANAGED_LABEL = ("app.kubernetes.io/managed-by", "hardway.nodejoin")

JWS_KEY_PREFIX = "jws-kubeconfig-"

# "ms" before "m", or "500ms" would read as 500 minutes and a stray "s"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_UNITS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


class BootstrapTokenError(ValueError):
    """Bad token, token-id, group, usage, TTL or expiration.

    Messages never contain a token-secret.
    """


def generate_token():
    """A new random bootstrap token ``<token-id>.<token-secret>`` (str, 6 + 1 + 16 chars).

    Each character is drawn with :mod:`secrets` from ``[a-z0-9]``, as kubeadm does
    (``bootstraputil.GenerateBootstrapToken``).
    """
    return "%s.%s" % (_random_string(6), _random_string(16))


def _random_string(length):
    return "".join(secrets.choice(TOKEN_CHARSET) for dummy in range(length))


def parse_token(token):
    """Split a bootstrap token into ``(token_id, token_secret)``.

    Raises :class:`BootstrapTokenError` unless ``token`` matches
    ``[a-z0-9]{6}.[a-z0-9]{16}`` (``BootstrapTokenPattern``); the message shows the
    token-id part only.
    """
    if not isinstance(token, str):
        raise BootstrapTokenError("a bootstrap token must be a string of the form <token-id>.<token-secret>")
    match = TOKEN_PATTERN.match(token)
    if not match:
        # show the token-id part only when it looks like one: a token written the wrong way
        # round would otherwise leak part of its secret into the message
        head = token.split(".", 1)[0]
        shown = head if TOKEN_ID_PATTERN.match(head) else "?"
        raise BootstrapTokenError(
            "malformed bootstrap token (token-id '%s...'): expected [a-z0-9]{6}.[a-z0-9]{16}, "
            "e.g. abcdef.0123456789abcdef; generate one by leaving the token unset" % shown)
    return match.group(1), match.group(2)


def validate_token_id(token_id):
    """Return ``token_id`` if it matches ``[a-z0-9]{6}``; raise :class:`BootstrapTokenError` otherwise."""
    if not isinstance(token_id, str) or not TOKEN_ID_PATTERN.match(token_id):
        raise BootstrapTokenError("malformed token-id %r: expected 6 characters of [a-z0-9]" % (token_id,))
    return token_id


def validate_groups(groups):
    """Return ``groups`` (list of str) if every one matches ``system:bootstrappers:<name>``.

    Raises :class:`BootstrapTokenError` naming the first bad group.
    """
    groups = list(groups or [])
    for group in groups:
        if not isinstance(group, str) or not GROUP_PATTERN.match(group):
            raise BootstrapTokenError(
                "auth-extra-group %r is not allowed: extra groups of a bootstrap token must match "
                "system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]" % (group,))
    return groups


def validate_usages(usages):
    """Return ``usages`` (a sorted, de-duplicated list) if each is ``authentication`` or ``signing``."""
    usages = sorted(set(usages or []))
    for usage in usages:
        if usage not in KNOWN_USAGES:
            raise BootstrapTokenError("unknown bootstrap token usage %r: use one of %s"
                                      % (usage, ", ".join(KNOWN_USAGES)))
    return usages


def parse_duration(value):
    """Seconds (int) from a TTL: an int/str of seconds or a Go duration like ``24h``, ``1h30m``, ``90s``.

    ``0`` means "never expires". Raises :class:`BootstrapTokenError` on anything else,
    including negative values.
    """
    if isinstance(value, bool):
        raise BootstrapTokenError("TTL must be seconds or a duration like 24h, not a boolean")
    if isinstance(value, (int, float)):
        seconds = value
    else:
        text = str(value).strip()
        if re.match(r"\A\d+\Z", text):
            seconds = int(text)
        else:
            pos, seconds = 0, 0.0
            for match in _DURATION_PART.finditer(text):
                if match.start() != pos:
                    break
                seconds += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
                pos = match.end()
            if pos != len(text) or not text:
                raise BootstrapTokenError("invalid TTL %r: give seconds or a duration like 24h, 1h30m, 15m" % (value,))
    if seconds < 0:
        raise BootstrapTokenError("TTL must not be negative (0 means the token never expires)")
    # round up: a sub-second TTL must not become 0, which means "never expires"
    return int(math.ceil(seconds))


def utcnow():
    """The current time, timezone-aware UTC (datetime)."""
    return datetime.datetime.now(datetime.timezone.utc)


def format_expiration(moment):
    """RFC 3339 UTC timestamp ``YYYY-MM-DDTHH:MM:SSZ`` (str) of an aware datetime, as the
    ``expiration`` field of a bootstrap token Secret expects."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def expiration_from_ttl(ttl_seconds, now=None):
    """The ``expiration`` string for a token valid ``ttl_seconds`` from ``now``; ``None`` if TTL is 0."""
    if not ttl_seconds:
        return None
    now = now or utcnow()
    return format_expiration(now + datetime.timedelta(seconds=ttl_seconds))


def parse_expiration(value):
    """Aware datetime from an RFC 3339 ``expiration`` (``Z`` or ``+hh:mm`` offsets).

    Raises :class:`BootstrapTokenError` when it is not RFC 3339.
    """
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise BootstrapTokenError("invalid expiration %r: expected RFC 3339, e.g. 2026-01-02T15:04:05Z" % value)
    if moment.tzinfo is None:
        raise BootstrapTokenError("invalid expiration %r: RFC 3339 needs a time zone (Z or +hh:mm)" % value)
    return moment


def secret_name(token_id):
    """``bootstrap-token-<token-id>`` (str)."""
    return SECRET_PREFIX + validate_token_id(token_id)


def secret_manifest(token_id, token_secret, expiration=None, usages=KNOWN_USAGES, groups=None,
                    description=None, managed=True, labels=None):
    """The Secret that makes a bootstrap token (dict, a ``v1/Secret`` manifest with ``stringData``).

    ``expiration`` is an RFC 3339 string or ``None``; ``usages`` a subset of
    ``authentication``/``signing``; ``groups`` extra groups (validated); ``labels`` extra
    labels of the Secret (dict of str, e.g. the Node a per-worker token is for). Raises
    :class:`BootstrapTokenError` on invalid input.
    """
    validate_token_id(token_id)
    if not TOKEN_SECRET_PATTERN.match(token_secret or ""):
        raise BootstrapTokenError("malformed token-secret: expected 16 characters of [a-z0-9]")
    data = {"token-id": token_id, "token-secret": token_secret}
    for usage in validate_usages(usages):
        data[USAGE_PREFIX + usage] = "true"
    groups = validate_groups(groups)
    if groups:
        data["auth-extra-groups"] = ",".join(groups)
    if expiration:
        parse_expiration(expiration)
        data["expiration"] = expiration
    if description:
        data["description"] = description
    metadata = {"name": secret_name(token_id), "namespace": SECRET_NAMESPACE}
    all_labels = dict(labels or {})
    if managed:
        all_labels[MANAGED_LABEL[0]] = MANAGED_LABEL[1]
    if all_labels:
        metadata["labels"] = all_labels
    return {"apiVersion": "v1", "kind": "Secret", "type": SECRET_TYPE, "metadata": metadata, "stringData": data}


def decode_secret_data(data):
    """Decode a Secret's ``data`` (dict of base64 str) into a dict of str."""
    return dict((k, base64.b64decode(v).decode("utf-8")) for k, v in (data or {}).items())


def token_info(decoded, now=None):
    """What may be shown of a token Secret's decoded data: never the token-secret.

    Returns ``{"token_id", "expiration" (str|None), "expires_in" (seconds|None),
    "expired" (bool), "usages" (list), "groups" (list), "description"}``.
    """
    now = now or utcnow()
    expiration = decoded.get("expiration")
    expires_in = None
    expired = False
    if expiration:
        try:
            expires_in = int((parse_expiration(expiration) - now).total_seconds())
            expired = expires_in <= 0
        except BootstrapTokenError:
            expired = True
    usages = sorted(k[len(USAGE_PREFIX):] for k, v in decoded.items() if k.startswith(USAGE_PREFIX) and v == "true")
    groups = [g for g in decoded.get("auth-extra-groups", "").split(",") if g]
    return {
        "token_id": decoded.get("token-id"),
        "expiration": expiration,
        "expires_in": expires_in,
        "expired": expired,
        "usages": usages,
        "groups": groups,
        "description": decoded.get("description"),
    }


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def compute_detached_jws(content, token_id, token_secret):
    """The detached JWS ``<header>..<signature>`` (str) over ``content`` (str, the
    ``kubeconfig`` value of ``cluster-info``), as the bootstrapsigner writes it to
    ``jws-kubeconfig-<token-id>``.

    HS256 with the token-secret as key and ``kid`` = token-id in the protected header
    (``k8s.io/cluster-bootstrap/token/jws.ComputeDetachedSignature``; RFC 7515 §7.1 and
    appendix F for the detached payload). Signing is done by PyJWT. Like the Go function,
    it does not check the token format (callers do, with :func:`parse_token`). Raises
    :class:`BootstrapTokenError` when PyJWT is missing.
    """
    _require_pyjwt()
    with _protocol_key_length():
        full = _pyjwt.api_jws.encode(content.encode("utf-8"), token_secret, algorithm="HS256",
                                     headers={"kid": token_id, "typ": None})
    if isinstance(full, bytes):
        full = full.decode("ascii")
    header, _payload, signature = full.split(".")
    return "%s..%s" % (header, signature)


def verify_detached_jws(detached, content, token_id, token_secret):
    """True when ``detached`` is a valid detached JWS over ``content`` for this token.

    The header must say ``alg`` HS256 and ``kid`` = ``token_id``; the signature is checked
    by PyJWT (constant-time comparison). Returns False on any mismatch or malformed input
    (``k8s.io/cluster-bootstrap/token/jws.DetachedTokenIsValid``).
    """
    _require_pyjwt()
    if not isinstance(detached, str) or detached.count(".") != 2:
        return False
    header, payload, signature = detached.split(".")
    if payload:
        return False
    compact = "%s.%s.%s" % (header, _b64url(content.encode("utf-8")), signature)
    try:
        unverified = _pyjwt.api_jws.get_unverified_header(compact)
        if unverified.get("alg") != "HS256" or unverified.get("kid") != token_id:
            return False
        with _protocol_key_length():
            _pyjwt.api_jws.decode_complete(compact, token_secret, algorithms=["HS256"])
    except Exception:  # PyJWT raises several types: all mean "not valid"
        return False
    return True


@contextlib.contextmanager
def _protocol_key_length():
    """Silence PyJWT's warning about HMAC keys under 32 bytes: the key is the 16-character
    token-secret by the bootstrap-token protocol's own definition, so the warning would fire
    on every cluster-info signature and could not be acted upon."""
    with warnings.catch_warnings():
        category = getattr(getattr(_pyjwt, "warnings", None), "InsecureKeyLengthWarning", None)
        if category is not None:
            warnings.simplefilter("ignore", category)
        yield


def _require_pyjwt():
    if not HAS_PYJWT:
        raise BootstrapTokenError("the Python library PyJWT is required for cluster-info JWS "
                                  "(Debian: apt install python3-jwt; pip: pip install PyJWT)")


def _is_token_secret(secret):
    return (secret or {}).get("type") == SECRET_TYPE


def _own_labels(secret):
    labels = dict(((secret.get("metadata") or {}).get("labels")) or {})
    labels.pop(MANAGED_LABEL[0], None)
    return labels


def find_reusable(secrets, usages, groups, labels, min_remaining, now=None):
    """The managed token among ``secrets`` that a new request may reuse, or ``None``.

    :param secrets: Secrets as the API returns them (dicts: ``type``, ``metadata.labels``,
        ``data`` with base64 values), e.g. those labelled :data:`MANAGED_LABEL`.
    :param usages: wanted usages (list, as :func:`validate_usages` returns them).
    :param groups: wanted extra groups (order does not matter).
    :param labels: wanted labels besides :data:`MANAGED_LABEL` (dict of str); a shared token
        and per-worker tokens never stand in for each other.
    :param min_remaining: seconds the token must stay valid at least.
    :returns: ``(token, info)``: ``<token-id>.<token-secret>`` and :func:`token_info`, of the
        fitting token that lives longest (one that never expires first).
    """
    now = now or utcnow()
    best = None
    for item in secrets or []:
        if not _is_token_secret(item) or _own_labels(item) != labels:
            continue
        decoded = decode_secret_data(item.get("data"))
        info = token_info(decoded, now=now)
        if info["expired"] or info["usages"] != usages or sorted(info["groups"]) != sorted(groups):
            continue
        left = info["expires_in"]
        if left is not None and left < min_remaining:
            continue
        rank = left if left is not None else float("inf")
        if best is None or rank > best[0]:
            best = (rank, "%s.%s" % (decoded["token-id"], decoded["token-secret"]), info)
    return (best[1], best[2]) if best else None


def choose_token(wanted, managed=None, existing=None, now=None, generate=None):
    """What ``bootstrap_token`` with ``state=present`` does, decided without the API.

    :param wanted: dict ``token`` (``<id>.<secret>`` or ``None``: reuse or generate), ``reuse``
        (bool), ``usages``, ``groups``, ``labels`` (see :func:`find_reusable`), ``ttl`` and
        ``min_remaining`` (seconds, ``ttl`` 0 = never expires) and ``description``.
    :param managed: the Secrets labelled :data:`MANAGED_LABEL` (for reuse; dicts as the API
        returns them).
    :param existing: the Secret ``bootstrap-token-<id>`` of ``wanted["token"]`` as the API
        returns it, or ``None`` when there is none.
    :param generate: makes a new token (default :func:`generate_token`, looked up at each call).
    :returns: dict ``action`` (``reused``: a managed token fits; ``created``: a new Secret
        (with a generated token unless one was given); ``none``: the given token's Secret is
        right as it is; ``updated``: it must be replaced, its content differs or it expires
        within ``min_remaining``), ``token``, ``token_id``, ``expiration`` (RFC 3339 or
        ``None``) and ``manifest`` (the Secret to create or put, ``None`` otherwise). A Secret
        is only ever replaced for a token given explicitly.
    :raises BootstrapTokenError: the given token's Secret is not of type :data:`SECRET_TYPE`
        (it is not touched), or the wanted values are invalid.
    """
    now = now or utcnow()
    token = wanted.get("token")
    if token is None and wanted.get("reuse"):
        found = find_reusable(managed, wanted["usages"], wanted["groups"], wanted["labels"],
                              wanted["min_remaining"], now=now)
        if found:
            return dict(action="reused", token=found[0], token_id=found[1]["token_id"],
                        expiration=found[1]["expiration"], manifest=None)
    if token is None:
        token, existing = (generate or generate_token)(), None
    token_id, token_secret = parse_token(token)
    expiration = expiration_from_ttl(wanted["ttl"], now)
    manifest = secret_manifest(token_id, token_secret, expiration=expiration, usages=wanted["usages"],
                               groups=wanted["groups"], description=wanted.get("description"),
                               labels=wanted["labels"])
    result = dict(action="created", token=token, token_id=token_id, expiration=expiration, manifest=manifest)
    if existing is None:
        return result
    decoded = decode_secret_data(existing.get("data"))
    info = token_info(decoded, now=now)
    same = (_is_token_secret(existing) and decoded.get("token-secret") == token_secret
            and info["usages"] == wanted["usages"] and sorted(info["groups"]) == sorted(wanted["groups"])
            and (decoded.get("description") or None) == (wanted.get("description") or None))
    fresh = not info["expired"] and (info["expires_in"] is None or info["expires_in"] >= wanted["min_remaining"])
    if same and fresh and (info["expires_in"] is None) == (expiration is None):
        return dict(result, action="none", expiration=info["expiration"], manifest=None)
    if not _is_token_secret(existing):
        raise BootstrapTokenError("Secret %s/%s exists but is of type %s, not %s; not touching it"
                                  % (SECRET_NAMESPACE, secret_name(token_id), existing.get("type"), SECRET_TYPE))
    manifest["metadata"]["resourceVersion"] = (existing.get("metadata") or {}).get("resourceVersion")
    return dict(result, action="updated")
