# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_bootstrap_token.py.

Patterns and names come from the Kubernetes documentation "Authenticating with Bootstrap
Tokens" and k8s.io/cluster-bootstrap/token/api; the JWS vectors are those of
k8s.io/cluster-bootstrap/token/jws/jws_test.go, and the signature is cross-checked with
Python's hmac module.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import collections
import datetime
import hashlib
import hmac
import json

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)
LESSON_TOKEN = "abcdef.0123456789abcdef"
LESSON_SECRET = "0123456789abcdef"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- generate_token ---------------------------------------------------------------------

def test_generate_token_format_and_distinct():
    tokens = [bt.generate_token() for dummy in range(500)]
    for token in tokens:
        assert isinstance(token, str)
        assert len(token) == 23
        assert bt.TOKEN_PATTERN.match(token), token
    assert len(set(tokens)) == len(tokens)
    assert len(set(t.split(".")[0] for t in tokens)) > 490  # 36**6 ids: collisions are rare


def test_generate_token_uses_the_whole_charset():
    counts = collections.Counter("".join(bt.generate_token().replace(".", "") for dummy in range(500)))
    # 11000 characters over 36 symbols: each appears ~305 times; missing one means a biased source
    assert set(counts) == set(bt.TOKEN_CHARSET)
    assert min(counts.values()) > 150
    assert max(counts.values()) < 500


def test_generated_token_parses():
    token = bt.generate_token()
    token_id, token_secret = bt.parse_token(token)
    assert "%s.%s" % (token_id, token_secret) == token


# --- parse_token ------------------------------------------------------------------------

def test_parse_token_lesson_token():
    assert bt.parse_token(LESSON_TOKEN) == ("abcdef", LESSON_SECRET)


# A secret other than the lesson's: the error message quotes abcdef.0123456789abcdef as an example.
S = "k7x9m2p4q8w1e5r3"


@pytest.mark.parametrize("token", [
    "qwerty." + S.upper(),          # uppercase secret
    "QWERTY." + S,                  # uppercase id
    "qwert." + S,                   # id too short
    "qwertyu." + S,                 # id too long
    "qwerty." + S[:-1],             # secret too short
    "qwerty." + S + "0",            # secret too long
    "qwerty" + S,                   # missing dot
    "qwerty:" + S,                  # wrong separator
    "qwerty." + S + "\n",           # trailing newline
    "qwerty." + S[:7] + "-" + S[8:],  # bad character
    " qwerty." + S,                 # leading space
    "",
])
def test_parse_token_rejects_and_never_shows_the_secret(token):
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.parse_token(token)
    msg = str(info.value)
    assert "malformed bootstrap token" in msg
    # no 6-character piece of the secret appears (the id, at most 6 chars, may)
    for piece in (S[i:i + 6] for i in range(len(S) - 5)):
        assert piece not in msg.lower()


def test_parse_token_swapped_parts_do_not_leak():
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.parse_token(S + ".qwerty")
    assert S[:6] not in str(info.value)


@pytest.mark.parametrize("token", [None, 123, b"abcdef.0123456789abcdef", ["abcdef", LESSON_SECRET]])
def test_parse_token_rejects_non_str(token):
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.parse_token(token)
    assert "must be a string" in str(info.value)
    assert LESSON_SECRET not in str(info.value)


def test_validate_token_id():
    assert bt.validate_token_id("abcdef") == "abcdef"
    for bad in ("abcde", "abcdefg", "ABCDEF", "abc.ef", None, 123456):
        with pytest.raises(bt.BootstrapTokenError):
            bt.validate_token_id(bad)


# --- groups and usages ------------------------------------------------------------------

@pytest.mark.parametrize("group", [
    "system:bootstrappers:kubeadm:default-node-token",
    "system:bootstrappers:worker",
    "system:bootstrappers:a",
    "system:bootstrappers:hardway-nodejoin",
    "system:bootstrappers:" + "a" * 256,            # 0..255 + 1 = the longest allowed
])
def test_validate_groups_accepts(group):
    assert bt.validate_groups([group]) == [group]


@pytest.mark.parametrize("group", [
    "system:bootstrappers",                         # the default group itself is not an extra group
    "system:bootstrappers:",                        # nothing after the colon
    "system:bootstrappers:worker:",                 # trailing colon
    "system:bootstrappers:worker-",                 # must end in [a-z0-9]
    "system:bootstrappers:Worker",                  # uppercase
    "system:bootstrappers:work_er",
    "system:nodes",
    "system:masters",
    "system:bootstrappers:worker\n",
    "system:bootstrappers:" + "a" * 257,            # too long
    5,
])
def test_validate_groups_rejects(group):
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.validate_groups(["system:bootstrappers:ok", group])
    assert repr(group) in str(info.value)


def test_validate_groups_empty():
    assert bt.validate_groups(None) == []
    assert bt.validate_groups([]) == []


def test_validate_usages():
    assert bt.validate_usages(["signing", "authentication", "signing"]) == ["authentication", "signing"]
    assert bt.validate_usages(("authentication",)) == ["authentication"]
    assert bt.validate_usages(None) == []
    assert bt.validate_usages(bt.KNOWN_USAGES) == ["authentication", "signing"]


@pytest.mark.parametrize("usage", ["Signing", "auth", "usage-bootstrap-signing", ""])
def test_validate_usages_rejects(usage):
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.validate_usages(["signing", usage])
    assert repr(usage) in str(info.value)


# --- parse_duration ---------------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [
    ("24h", 86400),
    ("1h30m", 5400),
    ("90s", 90),
    ("15m", 900),
    ("1h0m30s", 3630),
    ("1.5h", 5400),
    ("0", 0),
    ("3600", 3600),
    (" 24h ", 86400),
    (0, 0),
    (3600, 3600),
])
def test_parse_duration(value, seconds):
    assert bt.parse_duration(value) == seconds


def test_parse_duration_milliseconds():
    assert bt.parse_duration("1500ms") in (1, 2)
    assert bt.parse_duration("2m500ms") in (120, 121)


def test_parse_duration_sub_second_never_becomes_never_expires():
    assert bt.parse_duration(0.5) >= 1
    assert bt.parse_duration("500ms") >= 1


@pytest.mark.parametrize("value", ["-1", -1, -0.5, "1d", "abc", "", "   ", "h", "1h30", "24 h", "1h-30m", "1e3",
                                   True, False, None])
def test_parse_duration_rejects(value):
    with pytest.raises(bt.BootstrapTokenError):
        bt.parse_duration(value)


# --- expiration -------------------------------------------------------------------------

def test_expiration_from_ttl_with_fixed_now():
    assert bt.expiration_from_ttl(86400, now=NOW) == "2026-01-03T15:04:05Z"
    assert bt.expiration_from_ttl(1, now=NOW) == "2026-01-02T15:04:06Z"
    assert bt.expiration_from_ttl(0, now=NOW) is None
    assert bt.expiration_from_ttl(None, now=NOW) is None


def test_expiration_round_trip():
    text = bt.expiration_from_ttl(bt.parse_duration("1h30m"), now=NOW)
    assert text == "2026-01-02T16:34:05Z"
    moment = bt.parse_expiration(text)
    assert moment == NOW + datetime.timedelta(minutes=90)
    assert moment.utcoffset() == datetime.timedelta(0)
    assert bt.format_expiration(moment) == text


def test_expiration_from_ttl_defaults_to_the_current_time():
    before = bt.utcnow()
    moment = bt.parse_expiration(bt.expiration_from_ttl(60))
    assert before + datetime.timedelta(seconds=59) <= moment <= bt.utcnow() + datetime.timedelta(seconds=60)


@pytest.mark.parametrize("text", [
    "2026-01-03T17:04:05+02:00",
    "2026-01-03T10:04:05-05:00",
    "2026-01-03T15:04:05Z",
    "2026-01-03T15:04:05z",
    "2026-01-03T15:04:05+00:00",
    "2026-01-03T15:04:05.000Z",
])
def test_parse_expiration_offsets(text):
    moment = bt.parse_expiration(text)
    assert moment == datetime.datetime(2026, 1, 3, 15, 4, 5, tzinfo=UTC)
    assert bt.format_expiration(moment) == "2026-01-03T15:04:05Z"


def test_format_expiration_converts_to_utc():
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert bt.format_expiration(datetime.datetime(2026, 1, 3, 1, 0, 0, tzinfo=plus_two)) == "2026-01-02T23:00:00Z"


@pytest.mark.parametrize("text", ["2026-01-03T15:04:05", "2026-01-03", "tomorrow", "", "2026-13-03T15:04:05Z"])
def test_parse_expiration_rejects(text):
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.parse_expiration(text)
    assert "RFC 3339" in str(info.value)


def test_parse_expiration_missing_timezone_says_so():
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.parse_expiration("2026-01-03T15:04:05")
    assert "time zone" in str(info.value)


# --- the Secret -------------------------------------------------------------------------

def test_secret_manifest_lesson_token():
    token_id, token_secret = bt.parse_token(LESSON_TOKEN)
    assert bt.secret_manifest(token_id, token_secret) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "bootstrap.kubernetes.io/token",
        "metadata": {
            "name": "bootstrap-token-abcdef",
            "namespace": "kube-system",
            "labels": {"app.kubernetes.io/managed-by": "hardway.nodejoin"},
        },
        "stringData": {
            "token-id": "abcdef",
            "token-secret": "0123456789abcdef",
            "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true",
        },
    }


def test_secret_manifest_all_fields():
    manifest = bt.secret_manifest("abcdef", LESSON_SECRET, expiration="2026-01-03T15:04:05Z",
                                  usages=["authentication"],
                                  groups=["system:bootstrappers:kubeadm:default-node-token",
                                          "system:bootstrappers:worker"],
                                  description="for the lesson", managed=False)
    assert "labels" not in manifest["metadata"]
    assert manifest["stringData"] == {
        "token-id": "abcdef",
        "token-secret": LESSON_SECRET,
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:worker",
        "expiration": "2026-01-03T15:04:05Z",
        "description": "for the lesson",
    }


@pytest.mark.parametrize("kwargs", [
    dict(token_id="ABCDEF"),
    dict(token_secret="0123456789ABCDEF"),
    dict(token_secret=None),
    dict(usages=["bogus"]),
    dict(groups=["system:masters"]),
    dict(expiration="2026-01-03T15:04:05"),
])
def test_secret_manifest_rejects(kwargs):
    args = dict(token_id="abcdef", token_secret=LESSON_SECRET)
    args.update(kwargs)
    with pytest.raises(bt.BootstrapTokenError) as info:
        bt.secret_manifest(**args)
    assert "0123456789ABCDEF" not in str(info.value)


def test_secret_name():
    assert bt.secret_name("abcdef") == "bootstrap-token-abcdef"
    with pytest.raises(bt.BootstrapTokenError):
        bt.secret_name("abc")


def test_decode_secret_data():
    data = dict((k, base64.b64encode(v.encode()).decode()) for k, v in {
        "token-id": "abcdef", "token-secret": LESSON_SECRET, "usage-bootstrap-signing": "true"}.items())
    assert bt.decode_secret_data(data) == {"token-id": "abcdef", "token-secret": LESSON_SECRET,
                                           "usage-bootstrap-signing": "true"}
    assert bt.decode_secret_data(None) == {}
    assert bt.decode_secret_data({}) == {}


def decoded_secret(**extra):
    data = {"token-id": "abcdef", "token-secret": LESSON_SECRET,
            "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true"}
    data.update(extra)
    return data


def test_token_info_never_returns_the_secret():
    info = bt.token_info(decoded_secret(expiration="2026-01-02T16:04:05Z",
                                        **{"auth-extra-groups": "system:bootstrappers:worker"}), now=NOW)
    assert info == {
        "token_id": "abcdef",
        "expiration": "2026-01-02T16:04:05Z",
        "expires_in": 3600,
        "expired": False,
        "usages": ["authentication", "signing"],
        "groups": ["system:bootstrappers:worker"],
        "description": None,
    }
    assert LESSON_SECRET not in json.dumps(info)


def test_token_info_expired():
    info = bt.token_info(decoded_secret(expiration="2026-01-02T14:04:05Z"), now=NOW)
    assert info["expired"] is True
    assert info["expires_in"] == -3600


def test_token_info_expiry_boundary():
    one_second = datetime.timedelta(seconds=1)
    before = bt.token_info(decoded_secret(expiration="2026-01-02T15:04:06Z"), now=NOW)
    after = bt.token_info(decoded_secret(expiration="2026-01-02T15:04:04Z"), now=NOW)
    assert (before["expires_in"], before["expired"]) == (1, False)
    assert (after["expires_in"], after["expired"]) == (-1, True)
    half = bt.token_info(decoded_secret(expiration="2026-01-02T15:04:04Z"), now=NOW - one_second / 2)
    assert half["expired"] is True  # 0.5 s past the expiration: Kubernetes rejects it already


def test_token_info_offset_expiration():
    info = bt.token_info(decoded_secret(expiration="2026-01-02T17:34:05+02:00"), now=NOW)
    assert info["expires_in"] == 1800
    assert info["expired"] is False


def test_token_info_never_expires():
    info = bt.token_info(decoded_secret(), now=NOW)
    assert info["expiration"] is None
    assert info["expires_in"] is None
    assert info["expired"] is False


def test_token_info_unparseable_expiration_counts_as_expired():
    info = bt.token_info(decoded_secret(expiration="soon"), now=NOW)
    assert info["expired"] is True
    assert info["expires_in"] is None


def test_token_info_usages_and_groups():
    info = bt.token_info({"token-id": "abcdef", "token-secret": LESSON_SECRET,
                          "usage-bootstrap-signing": "false", "usage-bootstrap-authentication": "true",
                          "auth-extra-groups": "system:bootstrappers:a,system:bootstrappers:b",
                          "description": "d"}, now=NOW)
    assert info["usages"] == ["authentication"]
    assert info["groups"] == ["system:bootstrappers:a", "system:bootstrappers:b"]
    assert info["description"] == "d"


def test_token_info_of_a_decoded_secret_round_trip():
    manifest = bt.secret_manifest("abcdef", LESSON_SECRET, expiration=bt.expiration_from_ttl(7200, now=NOW),
                                  groups=["system:bootstrappers:worker"], description="x")
    data = dict((k, base64.b64encode(v.encode()).decode()) for k, v in manifest["stringData"].items())
    info = bt.token_info(bt.decode_secret_data(data), now=NOW)
    assert info["expires_in"] == 7200
    assert info["usages"] == ["authentication", "signing"]
    assert info["groups"] == ["system:bootstrappers:worker"]
    assert LESSON_SECRET not in repr(info)


# --- JWS (vectors of k8s.io/cluster-bootstrap/token/jws/jws_test.go) --------------------

CONTENT = "Hello from the other side. I must have called a thousand times."
JWS_ID = "joshua"
JWS_SECRET = "my voice is my passcode"
JWS_SIG = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8"
JWS_EMPTY_CONTENT_SIG = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk"


def test_compute_detached_jws_go_vector():
    assert bt.compute_detached_jws(CONTENT, JWS_ID, JWS_SECRET) == JWS_SIG


def test_compute_detached_jws_go_vector_empty_content():
    assert bt.compute_detached_jws("", JWS_ID, JWS_SECRET) == JWS_EMPTY_CONTENT_SIG


JWS_EMPTY_SECRET_SIG = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8"


def test_compute_detached_jws_empty_secret():
    # jws_test.go also signs with an empty secret (third vector above). A bootstrap
    # token-secret is never empty (16 chars of [a-z0-9], checked by parse_token), and recent
    # PyJWT (this venv's 2.15) refuses empty HMAC keys with InvalidKeyError, so there the
    # right outcome is an exception, not the Go vector. Older PyJWT (Debian bookworm's 2.6.0)
    # still signs with an empty key; then the result must be exactly Go's.
    assert _sign({"alg": "HS256", "kid": JWS_ID}, CONTENT, "") == JWS_EMPTY_SECRET_SIG  # the vector, by hmac
    refuses = not _pyjwt_signs_with_empty_key()
    if refuses:
        with pytest.raises(Exception) as info:
            bt.compute_detached_jws(CONTENT, JWS_ID, "")
        assert "empty" in str(info.value).lower()
    else:
        assert bt.compute_detached_jws(CONTENT, JWS_ID, "") == JWS_EMPTY_SECRET_SIG


def _pyjwt_signs_with_empty_key():
    import jwt
    try:
        jwt.api_jws.encode(b"x", "", algorithm="HS256")
    except jwt.exceptions.InvalidKeyError:
        return False
    return True


def test_header_is_exactly_alg_and_kid():
    header = bt.compute_detached_jws(CONTENT, JWS_ID, JWS_SECRET).split("..")[0]
    assert json.loads(b64url_decode(header)) == {"alg": "HS256", "kid": "joshua"}


def test_verify_detached_jws_go_vectors():
    assert bt.verify_detached_jws(JWS_SIG, CONTENT, JWS_ID, JWS_SECRET) is True
    assert bt.verify_detached_jws(JWS_EMPTY_CONTENT_SIG, "", JWS_ID, JWS_SECRET) is True


@pytest.mark.parametrize("detached, content, token_id, secret", [
    (JWS_SIG + "foo", CONTENT, JWS_ID, JWS_SECRET),                     # the Go test's tampered signature
    (JWS_SIG, CONTENT, "joshub", JWS_SECRET),                           # wrong kid
    (JWS_SIG, CONTENT, JWS_ID, "my voice is my passcodf"),              # wrong secret
    (JWS_SIG, CONTENT + " ", JWS_ID, JWS_SECRET),                       # wrong content
    (JWS_SIG, "", JWS_ID, JWS_SECRET),
    (JWS_EMPTY_CONTENT_SIG, CONTENT, JWS_ID, JWS_SECRET),
    (JWS_SIG.replace("..", "." + b64url(CONTENT.encode()) + "."), CONTENT, JWS_ID, JWS_SECRET),  # not detached
    (JWS_SIG, CONTENT, JWS_ID, ""),                                     # empty secret
    ("garbage", CONTENT, JWS_ID, JWS_SECRET),
    ("a..b", CONTENT, JWS_ID, JWS_SECRET),
    ("...", CONTENT, JWS_ID, JWS_SECRET),
    ("", CONTENT, JWS_ID, JWS_SECRET),
    (None, CONTENT, JWS_ID, JWS_SECRET),
    (JWS_SIG.split("..", 1)[0] + "..", CONTENT, JWS_ID, JWS_SECRET),       # no signature
])
def test_verify_detached_jws_rejects(detached, content, token_id, secret):
    assert bt.verify_detached_jws(detached, content, token_id, secret) is False


def test_verify_rejects_a_valid_signature_under_another_kid():
    other = bt.compute_detached_jws(CONTENT, "abcdef", JWS_SECRET)
    assert bt.verify_detached_jws(other, CONTENT, "abcdef", JWS_SECRET) is True
    assert bt.verify_detached_jws(other, CONTENT, JWS_ID, JWS_SECRET) is False


def _sign(header, content, secret):
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(content.encode())
    sig = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input.split(".")[0] + ".." + b64url(sig)


def test_verify_rejects_other_algorithms_and_none():
    # correctly HMAC-signed, but the header does not say HS256
    assert bt.verify_detached_jws(_sign({"alg": "HS256", "kid": JWS_ID}, CONTENT, JWS_SECRET),
                                  CONTENT, JWS_ID, JWS_SECRET) is True
    hs512 = bt._b64url(json.dumps({"alg": "HS512", "kid": JWS_ID}).encode())
    assert bt.verify_detached_jws(hs512 + ".." + JWS_SIG.split("..")[1], CONTENT, JWS_ID, JWS_SECRET) is False
    none = bt._b64url(json.dumps({"alg": "none", "kid": JWS_ID}).encode())
    assert bt.verify_detached_jws(none + "..", CONTENT, JWS_ID, JWS_SECRET) is False
    assert bt.verify_detached_jws(_sign({"alg": "none", "kid": JWS_ID}, CONTENT, JWS_SECRET),
                                  CONTENT, JWS_ID, JWS_SECRET) is False


def test_signature_cross_checked_with_hmac():
    token_id, token_secret = bt.parse_token(bt.generate_token())
    content = ("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0t\n"
               "    server: https://10.0.0.10:6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\n"
               "preferences: {}\nusers: null\n")
    detached = bt.compute_detached_jws(content, token_id, token_secret)
    header, empty, signature = detached.split(".")
    assert empty == ""
    assert json.loads(b64url_decode(header)) == {"alg": "HS256", "kid": token_id}
    expected = hmac.new(token_secret.encode("ascii"), (header + "." + b64url(content.encode("utf-8"))).encode("ascii"),
                        hashlib.sha256).digest()
    assert signature == b64url(expected)
    assert "=" not in detached
    assert bt.verify_detached_jws(detached, content, token_id, token_secret) is True
    # and the hmac-made signature over the same header verifies too
    assert bt.verify_detached_jws(_sign({"alg": "HS256", "kid": token_id}, content, token_secret),
                                  content, token_id, token_secret) is True


def test_unicode_content_is_signed_as_utf8():
    content = "name: caf\u00e9 \u2603\n"
    token_id, token_secret = "abcdef", LESSON_SECRET
    detached = bt.compute_detached_jws(content, token_id, token_secret)
    header, dummy, signature = detached.split(".")
    expected = hmac.new(token_secret.encode(), (header + "." + b64url(content.encode("utf-8"))).encode(),
                        hashlib.sha256).digest()
    assert signature == b64url(expected)
    assert bt.verify_detached_jws(detached, content, token_id, token_secret)


# --- find_reusable / choose_token (what bootstrap_token decides) --------------------------

MANAGED_LABELS = {bt.MANAGED_LABEL[0]: bt.MANAGED_LABEL[1]}


def api_secret(token, labels=None, secret_type=bt.SECRET_TYPE, **fields):
    """A token Secret as the API returns it (sanitized dict, base64 data), labelled as managed by default."""
    labels = MANAGED_LABELS if labels is None else labels
    token_id, token_secret = token.split(".")
    data = {"token-id": token_id, "token-secret": token_secret,
            "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
            "auth-extra-groups": "system:bootstrappers:hardway-nodejoin",
            "description": "made by hardway.nodejoin"}
    data.update(fields)
    data = dict((k, v) for k, v in data.items() if v is not None)
    return {"type": secret_type, "data": dict((k, base64.b64encode(v.encode()).decode()) for k, v in data.items()),
            "metadata": {"name": bt.SECRET_PREFIX + token_id, "labels": dict(labels), "resourceVersion": "42"}}


def wanted(**extra):
    w = dict(token=None, reuse=True, usages=["authentication", "signing"],
             groups=["system:bootstrappers:hardway-nodejoin"], labels={}, ttl=86400, min_remaining=3600,
             description="made by hardway.nodejoin")
    w.update(extra)
    return w


def in_hours(hours):
    return bt.format_expiration(NOW + datetime.timedelta(hours=hours))


T1 = "aaaaaa.aaaaaaaaaaaaaaaa"
T2 = "bbbbbb.bbbbbbbbbbbbbbbb"
T3 = "cccccc.cccccccccccccccc"


def test_find_reusable_takes_the_longest_lived_fitting_token():
    secrets = [api_secret(T1, expiration=in_hours(5)), api_secret(T2, expiration=in_hours(20)),
               api_secret(T3, expiration=in_hours(0.5))]
    found = bt.find_reusable(secrets, ["authentication", "signing"], ["system:bootstrappers:hardway-nodejoin"],
                             {}, 3600, now=NOW)
    assert found[0] == T2 and found[1]["token_id"] == "bbbbbb" and found[1]["expires_in"] == 20 * 3600
    # a token that never expires outlives every other
    secrets.append(api_secret("dddddd.dddddddddddddddd", expiration=None))
    assert bt.find_reusable(secrets, ["authentication", "signing"], ["system:bootstrappers:hardway-nodejoin"],
                            {}, 3600, now=NOW)[0] == "dddddd.dddddddddddddddd"


@pytest.mark.parametrize("secret", [
    api_secret(T1, expiration=in_hours(-1)),                              # expired
    api_secret(T1, expiration=in_hours(0.5)),                             # not enough time left
    api_secret(T1, expiration=in_hours(5), **{"usage-bootstrap-signing": None}),   # other usages
    api_secret(T1, expiration=in_hours(5), **{"auth-extra-groups": "system:bootstrappers:other"}),
    api_secret(T1, expiration=in_hours(5), labels=dict(MANAGED_LABELS, **{"hardway.nodejoin/node-name": "w1"})),
    api_secret(T1, expiration=in_hours(5), secret_type="Opaque"),
    api_secret(T1, expiration="yesterday"),                               # unreadable expiry counts as expired
])
def test_find_reusable_refuses(secret):
    assert bt.find_reusable([secret], ["authentication", "signing"], ["system:bootstrappers:hardway-nodejoin"],
                            {}, 3600, now=NOW) is None


def test_per_worker_and_shared_tokens_never_stand_in_for_each_other():
    shared = api_secret(T1, expiration=in_hours(5))
    worker1 = api_secret(T2, expiration=in_hours(5), labels=dict(MANAGED_LABELS, **{"hardway.nodejoin/node-name": "w1"}))
    assert bt.choose_token(wanted(), managed=[shared, worker1], now=NOW)["token"] == T1
    per_worker = wanted(labels={"hardway.nodejoin/node-name": "w1"})
    assert bt.choose_token(per_worker, managed=[shared, worker1], now=NOW)["token"] == T2
    fresh = bt.choose_token(wanted(labels={"hardway.nodejoin/node-name": "w2"}), managed=[shared, worker1], now=NOW,
                            generate=lambda: T3)
    assert fresh["action"] == "created" and fresh["token"] == T3
    assert fresh["manifest"]["metadata"]["labels"]["hardway.nodejoin/node-name"] == "w2"


def test_choose_reuses_without_a_manifest():
    choice = bt.choose_token(wanted(), managed=[api_secret(T1, expiration=in_hours(5))], now=NOW)
    assert choice == dict(action="reused", token=T1, token_id="aaaaaa", expiration=in_hours(5), manifest=None)


def test_choose_creates_with_a_generated_token_when_nothing_fits_or_reuse_is_off():
    secrets = [api_secret(T1, expiration=in_hours(5))]
    for w in (wanted(min_remaining=6 * 3600), wanted(reuse=False)):
        choice = bt.choose_token(w, managed=secrets, now=NOW, generate=lambda: T3)
        assert choice["action"] == "created" and choice["token"] == T3 and choice["token_id"] == "cccccc"
        assert choice["expiration"] == in_hours(24)
        assert choice["manifest"] == bt.secret_manifest("cccccc", "cccccccccccccccc", expiration=in_hours(24),
                                                        usages=w["usages"], groups=w["groups"],
                                                        description=w["description"], labels={})


def test_choose_given_token_none_updated_created():
    given = wanted(token=T1)
    assert bt.choose_token(given, existing=None, now=NOW)["action"] == "created"
    same = api_secret(T1, expiration=in_hours(10))
    choice = bt.choose_token(given, existing=same, now=NOW)
    assert choice["action"] == "none" and choice["expiration"] == in_hours(10) and choice["manifest"] is None
    for stale in (api_secret(T1, expiration=in_hours(0.5)),                       # expires too soon
                  api_secret("aaaaaa.zzzzzzzzzzzzzzzz", expiration=in_hours(10)),  # other secret
                  api_secret(T1, expiration=in_hours(10), description="other"),
                  api_secret(T1, expiration=None)):                               # never expires, ttl wants it to
        choice = bt.choose_token(given, existing=stale, now=NOW)
        assert choice["action"] == "updated", stale
        assert choice["manifest"]["metadata"]["resourceVersion"] == "42"
        assert choice["expiration"] == in_hours(24)
    # ttl 0: a token that never expires is right as it is
    assert bt.choose_token(wanted(token=T1, ttl=0), existing=api_secret(T1, expiration=None), now=NOW)["action"] == "none"


def test_choose_never_touches_a_secret_of_another_type():
    with pytest.raises(bt.BootstrapTokenError, match="is of type Opaque, not bootstrap.kubernetes.io/token") as info:
        bt.choose_token(wanted(token=T1), existing=api_secret(T1, secret_type="Opaque"), now=NOW)
    assert "aaaaaaaaaaaaaaaa" not in str(info.value)
