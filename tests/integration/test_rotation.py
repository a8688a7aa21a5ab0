"""Client certificate rotation, proven on the lab: the worker's kubelet (``rotateCertificates:
true``, written by the join) renews its own client certificate before it expires, the
csrapproving controller approves the renewal through ``selfnodeclient`` (nothing of ours
approves it), the API server authenticates the kubelet with the new certificate, and the Node
stays Ready all along.

How the test gets a rotation in minutes instead of months:

* kube-controller-manager's signer gives a certificate ``--cluster-signing-duration`` when the
  CSR asks for no ``expirationSeconds`` (the kubelet asks for none), with ``notBefore`` five
  minutes in the past and, under 8 h, ``notAfter = now + duration``
  (pkg/controller/certificates/signer/signer.go and .../authority/policies.go: Backdate 5 min,
  Short 8 h): a duration D gives a certificate valid D + 5 min, of which D remain.
* The kubelet's certificate manager (k8s.io/client-go/util/certificate, ``nextRotationDeadline``
  and ``jitteryDuration``) rotates at ``notBefore`` + 70-90 % of that lifetime (jittered), on a
  timer, with no other trigger.

With D = 3 min the lifetime is 8 min and the kubelet rotates 36-132 s after the certificate
was issued, well before it expires (180 s after issue). So the test shortens the duration,
joins the worker again (its TLS bootstrap gets a short-lived certificate), restores the
duration as soon as that certificate is issued (so the renewal gets the normal one-year
certificate and the worker is left as the other tests expect), and watches the kubelet rotate
on its own until past the old certificate's notAfter.
"""

import base64
import datetime
import json
import os
import re
import threading
import time

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from conftest import _host, join

# minutes of waiting for a real rotation: molecule/certs runs it (HWLAB_SLOW_TESTS=1), beside the
# default scenario
pytestmark = pytest.mark.skipif(os.environ.get("HWLAB_SLOW_TESTS") != "1",
                                reason="waits for a real client certificate rotation (~4 min): HWLAB_SLOW_TESTS=1 runs it")

SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
#: The shortened --cluster-signing-duration (Go duration) and the same in seconds.
DURATION, DURATION_S = "3m", 180
#: The signer's notBefore backdate (pkg/controller/certificates/signer/signer.go).
BACKDATE_S = 300
#: The kubelet's rotation deadline is notBefore + this share of the lifetime (jitteryDuration).
ROTATION_SHARE = (0.7, 0.9)
#: The kubelet checks every 10 s whether its certificate changed and then closes its
#: connections (k8s.io/kubernetes pkg/kubelet/certificate/transport.go, UpdateTransport): after
#: this long past the new certificate's issue, no request may present the old one.
SWITCH_GRACE_S = 30
PEM = "/var/lib/kubelet/pki/kubelet-client-current.pem"


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cert(csr):
    return x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))


def _request_subject(csr):
    subject = x509.load_pem_x509_csr(base64.b64decode(csr["spec"]["request"])).subject
    return ([a.value for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)],
            [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)])


def _get(kubectl, *args):
    """``kubectl get ... -o json`` parsed, or None while the API server does not answer (the
    join restarts it on a control plane that had not been prepared yet)."""
    result = kubectl.run("get", *args, "-o", "json")
    return json.loads(result.stdout) if result.rc == 0 else None


def _node_csrs(kubectl, node, since):
    """The kubelet client CSRs for ``node`` created at or after ``since``, oldest first (none
    while the API server does not answer)."""
    since = since.replace(microsecond=0)
    out = [c for c in (_get(kubectl, "csr") or {"items": []})["items"]
           if c["spec"]["signerName"] == SIGNER and _request_subject(c)[0] == ["system:node:%s" % node]
           and _time(c["metadata"]["creationTimestamp"]) >= since]
    return sorted(out, key=lambda c: c["metadata"]["creationTimestamp"])


def _histogram(hosts):
    """The API servers' ``apiserver_client_certificate_expiration_seconds`` histogram (the
    remaining lifetime of the client certificate of every request authenticated by x509,
    k8s.io/apiserver/pkg/authentication/request/x509), summed over the control plane hosts:
    {"0": n, "1800": n, "count": n}."""
    total = {"0": 0.0, "1800": 0.0, "count": 0.0}
    for host in hosts:
        text = host.check_output("kubectl --kubeconfig=/etc/kubernetes/admin.conf --server=https://127.0.0.1:6443 "
                                 "get --raw /metrics | grep '^apiserver_client_certificate_expiration_seconds'")
        for key, pattern in (("0", r'_bucket\{le="0"\} (\S+)'), ("1800", r'_bucket\{le="1800"\} (\S+)'),
                             ("count", r"_count (\S+)")):
            total[key] += float(re.search(pattern, text).group(1))
    return total


def _ready(kubectl, node):
    result = kubectl.run("get", "node", node, "-o", "json")
    if result.rc != 0:
        return None
    return next((c for c in json.loads(result.stdout)["status"].get("conditions", []) if c["type"] == "Ready"), None)


def _current_serial(worker):
    out = worker.run("openssl x509 -noout -serial -in %s" % PEM)
    return int(out.stdout.strip().split("=")[1], 16) if out.rc == 0 and "=" in out.stdout else None


def test_kubelet_rotates_its_client_certificate_on_its_own(inventory, kubectl, workers, reset, short_signing_duration):
    node, worker = inventory["workers"][0], workers[0]
    control_planes = [_host(name) for name in inventory["control_plane"]]
    began = time.time()

    # 1. the short signing duration, on the running controller-manager
    signing_start = short_signing_duration.set(DURATION)
    print("--cluster-signing-duration=%s signs from %s (controller-manager restarted and leading after %.0f s)"
          % (DURATION, signing_start.isoformat(), time.time() - began))
    before = _histogram(control_planes)

    # 2. a fresh TLS bootstrap gets a certificate of that duration; the join runs beside the
    #    watch so that the duration is restored as soon as that certificate is issued
    reset()
    joined = {}
    thread = threading.Thread(target=lambda: joined.update(run=join()), daemon=True)
    thread.start()

    def bootstrap_issued():
        csrs = [c for c in _node_csrs(kubectl, node, signing_start)
                if c["spec"]["username"].startswith("system:bootstrap:") and c["status"].get("certificate")]
        return csrs[-1] if csrs else None
    boot = kubectl.wait(bootstrap_issued, timeout=300, interval=1)
    assert boot, "the join's bootstrap CSR for %s was not issued within 300 s" % node
    old = _cert(boot)
    old_issued = old.not_valid_before_utc + datetime.timedelta(seconds=BACKDATE_S)
    lifetime = (old.not_valid_after_utc - old.not_valid_before_utc).total_seconds()
    assert abs(lifetime - (DURATION_S + BACKDATE_S)) <= 2, \
        "the bootstrap certificate lives %s s, not the %s s of --cluster-signing-duration=%s" % (
            lifetime, DURATION_S + BACKDATE_S, DURATION)
    window = [old.not_valid_before_utc + datetime.timedelta(seconds=share * lifetime) for share in ROTATION_SHARE]
    restored = short_signing_duration.restore()
    print("bootstrap certificate serial %x issued %s, notAfter %s; kubelet rotation window %s .. %s;"
          " default duration restored, controller-manager leading again at %s"
          % (old.serial_number, old_issued.isoformat(), old.not_valid_after_utc.isoformat(),
             window[0].isoformat(), window[1].isoformat(), restored.isoformat()))

    # 3. watch: the kubelet's own renewal, the file it points to, the Node, the Lease, the
    #    API server's view of the certificates presented, until past the old notAfter
    serials, ready_since, not_ready, renewal, switched, after, lease = [], None, [], None, None, None, None
    deadline = time.time() + (old.not_valid_after_utc - _now()).total_seconds() + 180
    while True:
        serial = _current_serial(worker)
        if serial is not None and (not serials or serials[-1] != serial):
            serials.append(serial)
        condition = _ready(kubectl, node)
        if condition and condition["status"] == "True":
            ready_since = ready_since or condition["lastTransitionTime"]
        elif ready_since and condition is not None:  # None: the API server did not answer
            not_ready.append((_now().isoformat(), condition))
        if renewal is None:
            renewals = [c for c in _node_csrs(kubectl, node, old_issued)
                        if c["spec"]["username"] == "system:node:%s" % node and c["status"].get("certificate")]
            renewal = renewals[0] if renewals else None
        if renewal is not None and switched is None and \
                _now() > _cert(renewal).not_valid_before_utc + datetime.timedelta(seconds=BACKDATE_S + SWITCH_GRACE_S):
            switched = _histogram(control_planes)
        lease = _get(kubectl, "lease", "-n", "kube-node-lease", node) or lease
        if switched is not None and not thread.is_alive() and lease and \
                _time(lease["spec"]["renewTime"]) > old.not_valid_after_utc:
            after = _histogram(control_planes)
            break
        assert time.time() < deadline, (
            "no renewal and Lease renewal past the old notAfter: renewal=%s serials=%s lease=%s"
            % (renewal and renewal["metadata"]["name"], serials, lease and lease["spec"]))
        time.sleep(3)

    thread.join()
    run = joined["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

    # the renewal: the kubelet's own request, as the Node, approved by the controller-manager
    new = _cert(renewal)
    created = _time(renewal["metadata"]["creationTimestamp"])
    approved = next(c for c in renewal["status"]["conditions"] if c["type"] == "Approved")
    issued = new.not_valid_before_utc + datetime.timedelta(seconds=BACKDATE_S)
    assert renewal["spec"]["username"] == "system:node:%s" % node
    assert "system:nodes" in renewal["spec"]["groups"], renewal["spec"]["groups"]
    assert renewal["spec"]["signerName"] == SIGNER
    assert _request_subject(renewal) == (["system:node:%s" % node], ["system:nodes"])
    assert approved["status"] == "True" and approved["reason"] == "AutoApproved", approved
    assert approved["message"] == "Auto approving self kubelet client certificate after SubjectAccessReview.", \
        "not approved through selfnodeclient: %s" % approved
    fields = kubectl.json("get", "csr", renewal["metadata"]["name"], "--show-managed-fields")["metadata"]["managedFields"]
    approvers = {f["manager"] for f in fields if f.get("subresource") == "approval"}
    assert approvers == {"kube-controller-manager"}, "approved by %s" % approvers
    # on the kubelet's own timer: 70-90 % into the old certificate's lifetime (a few seconds of
    # slack for the seconds the API rounds to and for the request itself)
    assert window[0] - datetime.timedelta(seconds=2) <= created <= window[1] + datetime.timedelta(seconds=30), \
        "renewal requested at %s, outside the kubelet's rotation window %s .. %s" % (created, window[0], window[1])
    assert new.serial_number != old.serial_number
    assert new.subject == old.subject
    assert (new.not_valid_after_utc - new.not_valid_before_utc) >= datetime.timedelta(days=364), \
        "the renewal was signed with the short duration, not the restored default: %s .. %s" % (
            new.not_valid_before_utc, new.not_valid_after_utc)

    # the kubelet's file moved from the old certificate to the new one
    assert serials[0] == old.serial_number and serials[-1] == new.serial_number, \
        "kubelet-client-current.pem serials seen: %s (old %x, new %x)" % (
            ["%x" % s for s in serials], old.serial_number, new.serial_number)

    # the kubelet noticed the new certificate and closed its connections to use it
    # (pkg/kubelet/certificate/transport.go logs this at the default verbosity)
    switch_log = worker.check_output(
        "journalctl -u kubelet -o short-iso-precise --no-pager --since @%d | grep 'Certificate rotation detected' || true"
        % int(issued.timestamp()))
    assert switch_log, "the kubelet did not report switching to the new certificate since %s" % issued
    kubelet_switch = switch_log.splitlines()[0].split()[0]

    # the API server: requests with the short-lived certificate (< 30 min left) were seen, none
    # after the switch, none with an expired certificate, while the kubelet's requests go on;
    # the kubelet's heartbeat Lease renews after the old certificate expired
    assert switched["1800"] > before["1800"], "the API server saw no request with the short-lived certificate"
    assert after["1800"] == switched["1800"], \
        "requests with the old certificate after the switch: %s -> %s" % (switched, after)
    assert after["0"] == before["0"], "requests with an expired client certificate: %s -> %s" % (before, after)
    assert after["count"] > switched["count"]
    renew_time = _time(lease["spec"]["renewTime"])
    assert lease["spec"]["holderIdentity"] == node

    # Ready throughout
    assert ready_since and not not_ready, "Node %s not Ready during the rotation: %s" % (node, not_ready)
    final = _ready(kubectl, node)
    assert final["status"] == "True" and final["lastTransitionTime"] == ready_since, (ready_since, final)

    print("renewal %s: requested %s (%.0f s after the signing duration started, %.0f s after the bootstrap "
          "certificate was issued), Approved %s (+%.0f s), Issued %s (+%.0f s); serial %x -> %x; kubelet switched its connections %s; Lease renewed %s,"
          " %.0f s after the old notAfter; API server requests with < 30 min left: %d before the switch, %d after;"
          " Node Ready since %s, NotReady seen: %d; test took %.0f s"
          % (renewal["metadata"]["name"], created.isoformat(), (created - signing_start).total_seconds(),
             (created - old_issued).total_seconds(), approved["lastUpdateTime"],
             (_time(approved["lastUpdateTime"]) - created).total_seconds(), issued.isoformat(),
             (issued - created).total_seconds(), old.serial_number, new.serial_number, kubelet_switch, renew_time.isoformat(),
             (renew_time - old.not_valid_after_utc).total_seconds(), switched["1800"] - before["1800"],
             after["1800"] - switched["1800"], ready_since, len(not_ready), time.time() - began))
