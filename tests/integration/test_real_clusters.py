"""Clusters that differ from the lab's defaults, and inputs that are wrong (issue #11).

Every bad input fails in seconds (not after the join's 120 s wait) with one message that
says what to fix, and leaves the worker's files byte for byte as they were. The other tests
show that the join edits what systemd really runs, leaves joined workers alone, puts a
worker back when its join does not finish, and never lets a token secret out."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import INVENTORY, ROOT, STATE, join, worker_checksums

#: A bad input must fail well before the join's wait (worker_join_timeout, 120 s).
FAST = 45


def _recap(output):
    return dict((h, dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", rest)))
                for h, rest in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.M))


@pytest.fixture(scope="module")
def pre_join(inventory):
    """The first worker in its state before the join for the whole module; joined again after."""
    from conftest import ansible_playbook

    worker = inventory["workers"][0]
    run = ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e", json.dumps({"reset_hosts": worker}))
    assert run.returncode == 0, run.stdout[-3000:]
    yield worker
    again = join()
    assert again.returncode == 0, again.stdout[-3000:]


def _bad_input(kubectl, workers, extra, expect, secret=None):
    before = worker_checksums(workers[0])
    tokens_before = kubectl.run("get", "secrets", "-n", "kube-system", "--field-selector",
                                "type=bootstrap.kubernetes.io/token", "-o", "name").stdout
    start = time.time()
    run = join(extra)
    elapsed = time.time() - start
    output = run.stdout + run.stderr
    print("failed after %.1f s with: %s" % (elapsed, [line for line in output.splitlines() if expect in line][:1]))
    assert run.returncode != 0, output[-3000:]
    assert expect in output, output[-4000:]
    assert "censored" not in output.split("PLAY RECAP")[0].split("fatal:")[-1][:400], output[-3000:]
    assert elapsed < FAST, "took %.1f s" % elapsed
    assert worker_checksums(workers[0]) == before, "the worker's files changed"
    if secret:
        assert secret not in output
    return tokens_before


def test_wrong_api_server_url_fails_at_preflight(pre_join, kubectl, workers):
    tokens = _bad_input(kubectl, workers, {"worker_api_server": "https://10.77.0.10:6555"},
                        "cannot reach the API server https://10.77.0.10:6555")
    # no token was made for a worker that failed its preflight
    assert kubectl.run("get", "secrets", "-n", "kube-system", "--field-selector", "type=bootstrap.kubernetes.io/token",
                       "-o", "name").stdout == tokens


def test_wrong_ca_pin_fails_at_preflight(pre_join, kubectl, workers):
    _bad_input(kubectl, workers, {"worker_ca_cert_hashes": ["sha256:" + "0" * 64]}, "refusing to trust it")


def test_a_flag_value_with_a_newline_is_refused(pre_join, kubectl, workers):
    """A newline in a kubelet flag would write another line into the unit."""
    _bad_input(kubectl, workers, {"worker_kubelet_unit_extra_flags": {"--node-ip": "10.77.0.11\n--anonymous-auth"}},
               "control characters")


def test_unknown_token_fails_naming_its_id_only(pre_join, kubectl, workers):
    _bad_input(kubectl, workers, {"worker_bootstrap_token": "zz9zz9.0123456789abcdef"},
               "does not accept bootstrap token zz9zz9", secret="0123456789abcdef")


def test_expired_token_fails(pre_join, kubectl, workers):
    expired = "2020-01-01T00:00:00Z"
    made = kubectl.run("create", "secret", "generic", "bootstrap-token-exp111", "-n", "kube-system",
                       "--type", "bootstrap.kubernetes.io/token", "--from-literal", "token-id=exp111",
                       "--from-literal", "token-secret=0123456789abcdee", "--from-literal", "expiration=" + expired,
                       "--from-literal", "usage-bootstrap-authentication=true")
    assert made.rc == 0, made.stderr
    try:
        _bad_input(kubectl, workers, {"worker_bootstrap_token": "exp111.0123456789abcdee"},
                   "does not accept bootstrap token exp111", secret="0123456789abcdee")
    finally:
        kubectl.run("delete", "secret", "-n", "kube-system", "bootstrap-token-exp111", "--ignore-not-found")


def test_api_server_down_fails_with_the_real_message(pre_join, cp, kubectl, workers):
    cp.run("systemctl stop kube-apiserver")
    try:
        before = worker_checksums(workers[0])
        start = time.time()
        run = join()
        elapsed = time.time() - start
        output = run.stdout + run.stderr
        print("failed after %.1f s" % elapsed)
        assert run.returncode != 0
        assert "cannot reach the API server" in output, output[-3000:]
        assert elapsed < FAST
        assert worker_checksums(workers[0]) == before
    finally:
        cp.run("systemctl start kube-apiserver")
        assert kubectl.wait(lambda: kubectl.run("get", "--raw", "/readyz").rc == 0, timeout=60)


def test_a_join_that_does_not_finish_is_rolled_back(pre_join, kubectl, workers):
    """The join does not finish (the Node must turn Ready, and without a CNI config it cannot):
    the worker's files come back byte for byte (the kubelet's new client certificate and
    kubeconfig gone too), its standalone kubelet runs again, the Node it registered and the
    per-worker token made for it are deleted."""
    before = worker_checksums(workers[0])
    run = join({"worker_loopback_cni": False, "worker_wait_for_ready": True, "worker_join_timeout": 10,
                "control_plane_token_per_worker": True})
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "was put back as it was" in output, output[-3000:]
    # on a loaded machine the kubelet may not even register within the 10 s: either way the join did not finish
    assert re.search(r"is not (Ready|registered)", output), output[-3000:]
    token_id = re.search(r"token (\w{6}) deleted", output).group(1)
    assert kubectl.run("get", "secret", "-n", "kube-system", "bootstrap-token-" + token_id).rc != 0
    assert worker_checksums(workers[0]) == before
    assert workers[0].service("kubelet").is_running
    assert "--bootstrap-kubeconfig" not in workers[0].check_output("systemctl show -p ExecStart kubelet")
    assert kubectl.run("get", "node", pre_join).rc != 0, "the Node of the failed join is still there"


def test_a_stricter_kubelet_setting_is_kept(reset, kubectl, workers):
    """The kubelet already authorizes with Webhook; asked for the lesson's AlwaysAllow, the join
    keeps Webhook and says so."""
    worker = reset()
    workers[0].run("printf 'apiVersion: kubelet.config.k8s.io/v1beta1\\nkind: KubeletConfiguration\\n"
                   "authorization:\\n  mode: Webhook\\n' > /var/lib/kubelet/config.d/20-strict.conf")
    run = join({"worker_authz_mode": "AlwaysAllow"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "stricter settings: authorization.mode" in run.stdout
    config = json.loads(kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/configz" % worker).stdout)
    assert config["kubeletconfig"]["authorization"]["mode"] == "Webhook"


def test_hosts_named_by_ip_address(reset, tmp_path, kubectl, worker_ips, inventory_manager):
    """Real inventories name hosts by address: the role waits for the Node the kubelet
    registers (its hostname), not for the inventory name."""
    worker = reset()
    address = worker_ips[worker]
    cp_ip = inventory_manager.get_host("cp1").vars["lab_ip"]
    children = {"control_plane": {"hosts": {"cp1": {"lab_ip": cp_ip}}},
                "workers": {"hosts": {address: {"lab_ip": address, "ansible_host": worker}}}}
    (tmp_path / "hosts.yml").write_text(json.dumps(
        {"all": {"vars": {"lab_provider": "nspawn", "lab_state_dir": STATE}, "children": children}}))
    os.symlink(os.path.join(INVENTORY, "group_vars"), str(tmp_path / "group_vars"))
    run = join(inventory=str(tmp_path))
    assert run.returncode == 0, run.stdout[-4000:]
    assert "Node %s registered" % worker in run.stdout
    nodes = [n["metadata"]["name"] for n in kubectl.json("get", "nodes")["items"]]
    assert worker in nodes and address not in nodes


def test_apiserver_edited_with_systemctl_edit(cp, kubectl):
    """A drop-in that replaces ExecStart= is what systemd runs: the flags go there, the main
    unit stays as it is, and the running process has them."""
    unit = "/etc/systemd/system/kube-apiserver.service"
    dropin = "/etc/systemd/system/kube-apiserver.service.d/override.conf"
    flags = ("--kubelet-client-certificate", "--kubelet-client-key", "--enable-bootstrap-token-auth")
    text = cp.file(unit).content_string
    command = re.search(r"^ExecStart=(.*?)(?<!\\)$", text, re.M | re.S).group(1)
    stripped = re.sub(r"\s*--(kubelet-client-certificate|kubelet-client-key|enable-bootstrap-token-auth)=\S+\s*\\?\n?",
                      " ", command)
    stripped = re.sub(r"\\\n\s*(?=\\\n)", "", stripped)
    body = "[Service]\nExecStart=\nExecStart=" + " ".join(stripped.replace("\\\n", " ").split()) + "\n"
    main_before = cp.check_output("sha256sum %s", unit)
    cp.run("mkdir -p /etc/systemd/system/kube-apiserver.service.d")
    cp.run("cat > %s <<'EOF'\n%sEOF" % (dropin, body))
    cp.run("systemctl daemon-reload && systemctl restart kube-apiserver")
    try:
        assert kubectl.wait(lambda: kubectl.run("get", "--raw", "/readyz").rc == 0, timeout=60)
        pid = cp.check_output("systemctl show -p MainPID --value kube-apiserver")
        assert not any(f in cp.check_output("tr '\\0' ' ' < /proc/%s/cmdline" % pid) for f in flags)
        run = join()
        assert run.returncode == 0, run.stdout[-4000:]
        assert cp.check_output("sha256sum %s", unit) == main_before
        assert all(f in cp.file(dropin).content_string for f in flags)
        pid = cp.check_output("systemctl show -p MainPID --value kube-apiserver")
        running = cp.check_output("tr '\\0' ' ' < /proc/%s/cmdline" % pid)
        assert all(f in running for f in flags), running
    finally:
        cp.run("rm -rf /etc/systemd/system/kube-apiserver.service.d && systemctl daemon-reload "
               "&& systemctl restart kube-apiserver")
        assert kubectl.wait(lambda: kubectl.run("get", "--raw", "/readyz").rc == 0, timeout=60)


def test_a_worker_joined_by_hand_is_left_alone(reset, kubectl, workers):
    """Seed 003's worker (static certificate, --config, --kubeconfig under /var/lib/kubelet,
    Webhook authorization) counts as joined: nothing is rewritten, nothing weakened."""
    from conftest import ansible_playbook

    worker = reset()
    made = ansible_playbook("tests/integration/playbooks/seed003_worker.yml", "-e", json.dumps({"reset_hosts": worker}))
    assert made.returncode == 0, made.stdout[-3000:]
    try:
        before = worker_checksums(workers[0])
        run = join()
        assert run.returncode == 0, run.stdout[-4000:]
        assert _recap(run.stdout)[worker]["changed"] == 0, run.stdout[-3000:]
        assert worker_checksums(workers[0]) == before
        assert "mode: Webhook" in workers[0].file("/var/lib/kubelet/kubelet-config.yaml").content_string
        assert not workers[0].file("/etc/kubernetes/bootstrap-kubelet.conf").exists
    finally:
        reset()
        again = join()
        assert again.returncode == 0, again.stdout[-3000:]


def test_no_token_secret_in_any_output_or_job_event(reset, kubectl, tmp_path, cp, workers):
    """ansible-runner keeps every callback event (what AWX stores and shows as job events):
    none holds a token secret, at -vvv, with --diff, with per-worker tokens. Nor does any disk
    of the lab once the join is done (the bootstrap kubeconfig is deleted after the join)."""
    worker = reset()
    data = tmp_path / "runner"
    (data / "project").mkdir(parents=True)
    (data / "env").mkdir()
    (data / "env" / "envvars").write_text(json.dumps({
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, ".cache", "collections")}))
    shutil.copy(os.path.join(ROOT, "playbooks", "join.yml"), str(data / "project" / "join.yml"))
    runner = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
    result = subprocess.run([runner, "run", str(data), "-p", "join.yml", "--inventory", INVENTORY, "-vvv",
                             "--cmdline", "--diff -e '%s'" % json.dumps({"control_plane_token_per_worker": True,
                                                                         # kept, to look for its secret
                                                                         "control_plane_delete_token_after_join": False})],
                            capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env=dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]),
                            check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    secrets = kubectl.json("get", "secrets", "-n", "kube-system", "-l", "hardway.nodejoin/node-name=%s" % worker)
    assert secrets["items"], "the run made no per-worker token"
    for item in secrets["items"]:
        secret = base64.b64decode(item["data"]["token-secret"]).decode()
        token_id = base64.b64decode(item["data"]["token-id"]).decode()
        seen, ids = [], 0
        for root, _dirs, files in os.walk(str(data / "artifacts")):
            for name in files:
                with open(os.path.join(root, name), errors="replace") as handle:
                    text = handle.read()
                if secret in text:
                    seen.append(os.path.relpath(os.path.join(root, name), str(data)))
                ids += token_id in text
        assert not seen, "token secret of %s found in %s" % (item["metadata"]["name"], seen)
        # the scan reads the events: the token's id (reported on purpose) is in them
        assert ids > 0, "token id %s in no artifact: the scan read nothing" % token_id
        found = cp.run("grep -rl --exclude-dir=proc %s /etc /root /tmp /var/tmp 2>/dev/null", secret)
        assert found.stdout.strip() == "", "token-secret on the control plane in %s" % found.stdout
        for host in workers:
            found = host.run("grep -rl %s /etc /root /tmp /var/tmp /var/lib/kubelet /var/lib/hardway-nodejoin "
                             "2>/dev/null", secret)
            assert found.stdout.strip() == "", "token-secret on %s in %s" % (host.backend.hostname, found.stdout)
        kubectl.run("delete", "secret", "-n", "kube-system", item["metadata"]["name"])
        events = os.listdir(str(data / "artifacts" / os.listdir(str(data / "artifacts"))[0] / "job_events"))
        assert len(events) > 50
