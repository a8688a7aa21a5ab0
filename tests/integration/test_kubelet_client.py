"""The API server's client identity towards the kubelets (step 1): by default its certificate
carries no ``O=system:masters`` (a superuser group), and the kubelet API still answers it
through the ClusterRoleBinding ``hardway-nodejoin:apiserver-kubelet-client`` to
``system:kubelet-api-admin``: ``kubectl logs``, ``exec`` and the node proxy work, and the
identity may do nothing else. A cluster whose certificate has the lesson's
``O=system:masters`` is rolled to the new subject without the kubelet API ever refusing the
API server."""

import json
import shlex
import threading
import time

import pytest

from conftest import join

pytestmark = pytest.mark.usefixtures("joined")

CERT = "/etc/kubernetes/pki/apiserver-kubelet-client.crt"
BINDING = "hardway-nodejoin:apiserver-kubelet-client"
IDENTITY = "kube-apiserver-kubelet-client"


def _subject(cp):
    return cp.check_output("openssl x509 -noout -subject -nameopt RFC2253 -in %s" % CERT)


def test_the_identity_may_use_the_kubelet_api_and_nothing_more(kubectl, cp):
    assert _subject(cp) == "subject=CN=%s" % IDENTITY
    binding = kubectl.json("get", "clusterrolebinding", BINDING)
    assert binding["roleRef"]["name"] == "system:kubelet-api-admin"
    assert [(s["kind"], s["name"]) for s in binding["subjects"]] == [("User", IDENTITY)]
    # what the kubelets ask the API server (SubjectAccessReview) for the certificate's identity:
    # the kubelet API (nodes/proxy for exec, attach, port-forward, nodes/log ...), nothing else
    for verb, resource, subresource, expected in (
            ("get", "nodes", "proxy", "yes"), ("create", "nodes", "proxy", "yes"), ("get", "nodes", "log", "yes"),
            ("list", "secrets", "", "no"), ("create", "pods", "", "no"), ("delete", "nodes", "", "no"),
            ("update", "nodes", "status", "no")):
        result = kubectl.run("auth", "can-i", verb, resource, "--subresource=" + subresource, "--as=" + IDENTITY)
        assert result.stdout.strip() == expected, (verb, resource, subresource, result.stdout, result.stderr)


def test_kubectl_logs_and_exec_reach_the_pod_through_the_kubelet(kubectl, cp, worker_names):
    """A Pod on the first worker (the lab's image, never pulled, on the host network as the
    lab has no pod network): its log and an exec go API server -> kubelet with the
    certificate above."""
    name, node = "hwlab-kubelet-api", worker_names[0]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
           "spec": {"nodeName": node, "hostNetwork": True, "terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "c", "image": "localhost/hwlab/httpd:1.0", "imagePullPolicy": "Never",
                                    "command": ["/bin/sh", "-c", "echo hwlab-log-line; exec sleep 3600"]}]}}
    cp.check_output("echo %s | kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f -" % shlex.quote(json.dumps(pod)))
    try:
        running = kubectl.wait(lambda: kubectl.json("get", "pod", name)["status"].get("phase") == "Running", timeout=120)
        assert running, kubectl.run("describe", "pod", name).stdout[-2000:]
        logs = kubectl.wait(lambda: "hwlab-log-line" in kubectl.run("logs", name).stdout, timeout=30)
        assert logs, kubectl.run("logs", name).stderr
        ran = kubectl.run("exec", name, "--", "/bin/sh", "-c", "echo exec-ok-$(hostname)")
        assert ran.rc == 0 and ran.stdout.strip() == "exec-ok-%s" % node, ran.stdout + ran.stderr
        pods = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/pods" % node)
        assert pods.rc == 0 and name in [p["metadata"]["name"] for p in json.loads(pods.stdout)["items"]], pods.stderr
    finally:
        kubectl.run("delete", "pod", name, "--ignore-not-found", "--wait=false")


def test_roll_from_system_masters_never_locks_the_api_server_out_of_the_kubelets(kubectl, cp, worker_names):
    """The state the lesson leaves (certificate with O=system:masters, no binding for its CN);
    then a join with the defaults reissues the certificate without that group and restarts
    kube-apiserver. All along, the node proxy through the API server is never refused
    (Forbidden would mean the kubelet denied the new identity: the binding came too late)."""
    node = worker_names[0]
    # steps 1 and 2 only (the worker is joined already): the certificate and the API server restart
    lesson = join({"control_plane_kubelet_client_organizations": ["system:masters"]},
                  "--tags", "kubelet_client_cert,apiserver")
    assert lesson.returncode == 0, lesson.stdout[-3000:]
    assert _subject(cp) == "subject=CN=%s,O=system:masters" % IDENTITY
    kubectl.run("delete", "clusterrolebinding", BINDING, "--ignore-not-found")
    first = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % node)
    assert first.rc == 0 and first.stdout.strip() == "ok", first.stderr

    answers, stop = [], threading.Event()

    def probe():
        while not stop.is_set():
            result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % node)
            answers.append((time.time(), result.rc, (result.stdout.strip() if result.rc == 0 else result.stderr.strip())))
            time.sleep(0.5)
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        rolled = join()
    finally:
        stop.set()
        thread.join()
    assert rolled.returncode == 0, rolled.stdout[-3000:]
    assert _subject(cp) == "subject=CN=%s" % IDENTITY
    forbidden = [a for a in answers if "Forbidden" in a[2] or "forbidden" in a[2]]
    assert not forbidden, "the kubelet refused the API server during the roll: %s" % forbidden[:3]
    assert sum(1 for a in answers if a[1] == 0) >= 2, answers
    # after the roll, with the new certificate, the kubelet API answers
    last = kubectl.wait(lambda: kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % node).stdout.strip() == "ok",
                        timeout=30)
    assert last
    print("roll: %d probes of the node proxy, %d answered ok, %d failed otherwise (API server restart), 0 Forbidden"
          % (len(answers), sum(1 for a in answers if a[1] == 0), sum(1 for a in answers if a[1] != 0)))
