"""Several control planes behind a load balancer (the HA lab, molecule/ha): every API server
got the kubelet client certificate and the flags (read from the running processes), the
worker joined through the load balancer, each API server reaches the kubelet, and the
per-host edits roll one host at a time: a broken flag on cp2 is rolled back on cp2 alone,
cp1 keeps its edit, cp3 is never touched, and the API answers through the load balancer
all along. Skipped on a lab with one control plane."""

import json
import re
import shlex
import time

import pytest

from conftest import _host, ansible_playbook, join

APISERVER_FLAGS = {
    "--kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "--enable-bootstrap-token-auth": "true",
}
CONTROLLER_MANAGER_FLAGS = {
    "--cluster-signing-cert-file": "/etc/kubernetes/pki/ca.crt",
    "--cluster-signing-key-file": "/etc/kubernetes/pki/ca.key",
}
UNIT = "/etc/systemd/system/kube-apiserver.service"
LOAD_LOG = "/tmp/hwlab-ha-load.log"
LOAD_STOP = "/tmp/hwlab-ha-load.stop"


@pytest.fixture(scope="module")
def control_planes(inventory):
    names = inventory["control_plane"]
    if len(names) < 2:
        pytest.skip("one control plane: the HA tests need LAB_CONTROL_PLANES=2 or 3 (molecule/ha)")
    return dict((name, _host(name)) for name in names)


@pytest.fixture(scope="module")
def lb(inventory_manager, control_planes):
    group = inventory_manager.groups.get("loadbalancer")
    hosts = [h.name for h in group.get_hosts()] if group else []
    assert hosts, "an HA lab has a host in group loadbalancer"
    return hosts[0], inventory_manager.get_host(hosts[0]).vars["lab_ip"], _host(hosts[0])


def running_flags(host, service):
    """{flag: value} of the running process of ``service`` (its /proc/<MainPID>/cmdline)."""
    pid = host.check_output("systemctl show -p MainPID --value %s", service)
    assert pid not in ("", "0"), "%s is not running on %s" % (service, host.backend.hostname)
    argv = host.check_output("tr '\\0' '\\n' < /proc/%s/cmdline", pid).splitlines()
    flags = {}
    for arg in argv[1:]:
        name, value = (arg.split("=", 1) + [""])[:2]
        flags[name] = value
    return flags


def started(host, service="kube-apiserver"):
    """(MainPID, ActiveEnterTimestampMonotonic) of ``service``: changes with every restart."""
    return (host.check_output("systemctl show -p MainPID --value %s", service),
            int(host.check_output("systemctl show -p ActiveEnterTimestampMonotonic --value %s", service)))


def haproxy_stats(lb_host):
    """{server name: row} of HAProxy's CSV statistics (inside lb1 only)."""
    rows = lb_host.check_output("curl -sf 'http://127.0.0.1:8404/stats;csv'").splitlines()
    header = rows[0].lstrip("# ").split(",")
    return dict((r.split(",")[1], dict(zip(header, r.split(",")))) for r in rows[1:] if r.startswith("kube-apiserver,"))


def kubectl_on(cp, *args):
    return cp.run("kubectl --kubeconfig=/etc/kubernetes/admin.conf " + " ".join(shlex.quote(a) for a in args))


class Load(object):
    """A bounded loop of API requests through the load balancer, run on the first control plane
    host (admin credentials) in the lab's own network: one GET every 0.2 s, each with a 5 s
    limit, for at most ``limit`` seconds or until stopped; counts answered and failed."""

    def __init__(self, cp, lb_name, limit=300):
        self.cp, self.lb_name, self.limit = cp, lb_name, limit

    def __enter__(self):
        pki = "/etc/kubernetes/pki"
        request = ("curl -s -o /dev/null -w '%%{http_code}' --max-time 5 --cacert %s/ca.crt --cert %s/admin.crt "
                   "--key %s/admin.key https://%s:6443/api/v1/namespaces/default" % (pki, pki, pki, self.lb_name))
        loop = ("end=$(( $(date +%%s) + %d )); while [ $(date +%%s) -lt $end ] && [ ! -e %s ]; do "
                "echo \"$(date +%%s.%%N) $(%s)\" >> %s; sleep 0.2; done"
                % (self.limit, LOAD_STOP, request, LOAD_LOG))
        self.cp.check_output("rm -f %s %s; setsid nohup sh -c %s >/dev/null 2>&1 < /dev/null &",
                             LOAD_LOG, LOAD_STOP, loop)
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        self.cp.run("touch %s", LOAD_STOP)
        time.sleep(1)
        lines = self.cp.check_output("cat %s", LOAD_LOG).splitlines()
        self.codes = [line.split()[1] for line in lines if len(line.split()) == 2]
        self.answered = self.codes.count("200")
        self.failed = len(self.codes) - self.answered
        print("load balancer during the roll: %d requests answered, %d failed (%s)"
              % (self.answered, self.failed, sorted(set(self.codes))))
        return False


@pytest.fixture(scope="module")
def event_ttl_cleanup(control_planes):
    """The roll tests add --event-ttl to kube-apiserver; take it out again afterwards."""
    yield
    run = ansible_playbook("tests/integration/playbooks/apiserver_flag_absent.yml", "-e",
                           json.dumps({"absent_flags": ["--event-ttl"]}))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_every_apiserver_runs_with_the_three_flags(control_planes):
    for name, host in control_planes.items():
        flags = running_flags(host, "kube-apiserver")
        for flag, value in APISERVER_FLAGS.items():
            assert flags.get(flag) == value, (name, flag, flags.get(flag))
        cm = running_flags(host, "kube-controller-manager")
        for flag, value in CONTROLLER_MANAGER_FLAGS.items():
            assert cm.get(flag) == value, (name, flag, cm.get(flag))
        verify = host.run("openssl verify -CAfile /etc/kubernetes/pki/ca.crt "
                          "/etc/kubernetes/pki/apiserver-kubelet-client.crt")
        assert verify.rc == 0 and verify.stdout.strip().endswith("OK"), (name, verify.stdout + verify.stderr)


def test_readyz_through_every_apiserver_and_the_load_balancer(control_planes, lb):
    cp = next(iter(control_planes.values()))
    for server in list(control_planes) + [lb[0]]:
        ready = kubectl_on(cp, "get", "--raw", "/readyz", "--server=https://%s:6443" % server)
        assert ready.rc == 0 and ready.stdout.strip() == "ok", (server, ready.stdout + ready.stderr)
    stats = haproxy_stats(lb[2])
    for name in control_planes:
        assert stats[name]["status"] == "UP", (name, stats[name]["status"], stats[name].get("check_status"))


def test_the_join_went_through_the_load_balancer(control_planes, lb, workers, worker_names):
    lb_name, lb_ip, lb_host = lb
    for name, host in zip(worker_names, workers):
        # the kubelet writes its kubeconfig with the server of the bootstrap kubeconfig (which the
        # join deletes afterwards, as kubeadm does; checked too where it is still there)
        for kubeconfig in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf"):
            if kubeconfig.endswith("bootstrap-kubelet.conf") and not host.file(kubeconfig).exists:
                continue
            servers = re.findall(r"server: (\S+)", host.check_output("cat %s", kubeconfig))
            assert servers == ["https://%s:6443" % lb_name], (name, kubeconfig, servers)
        # the kubelet's connections to an API server all go to the load balancer
        peers = host.check_output("ss -Htn state established '( dport = :6443 )'")
        remotes = set(line.split()[-1].rsplit(":", 1)[0] for line in peers.splitlines() if line.strip())
        assert remotes == {lb_ip}, (name, remotes)
    # and the load balancer passed connections on to the API servers
    assert int(haproxy_stats(lb_host)["FRONTEND"]["stot"]) > 0


def test_kubectl_logs_through_each_apiserver(control_planes):
    """Each API server reaches the kubelet with its own kubelet client certificate."""
    cp = next(iter(control_planes.values()))
    run = ansible_playbook("playbooks/smoke.yml", "-e", json.dumps({"smoke_cleanup": False}))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    try:
        pods = json.loads(kubectl_on(cp, "get", "pods", "-l", "app=podinfo", "-o", "json").stdout)["items"]
        assert pods, "no smoke Pod"
        pod = pods[0]["metadata"]["name"]
        for name in control_planes:
            logs = kubectl_on(cp, "logs", pod, "--server=https://%s:6443" % name)
            assert logs.rc == 0, (name, logs.stderr)
            # busybox httpd -v logs the smoke test's probe
            assert logs.stdout.strip(), (name, "empty log")
    finally:
        gone = ansible_playbook("playbooks/smoke.yml", "-e", json.dumps({"smoke_state": "absent"}))
    assert gone.returncode == 0, gone.stdout[-3000:]


def test_a_broken_flag_on_cp2_is_rolled_back_there_alone(control_planes, lb, event_ttl_cleanup):
    names = list(control_planes)
    first, second, rest = names[0], names[1], names[2:]
    hosts = control_planes
    unit_before = dict((n, hosts[n].check_output("sha256sum %s", UNIT)) for n in names)
    started_before = dict((n, started(hosts[n])) for n in names)
    # a valid new flag on every host, and one kube-apiserver does not know on the second
    extra = {
        "control_plane_apiserver_extra_flags":
            "{{ {'--hardway-test-no-such-flag': '1'} if inventory_hostname == '%s' else {'--event-ttl': '61m'} }}"
            % second,
        "control_plane_apiserver_ready_timeout": 20,
    }
    with Load(hosts[first], lb[0]) as load:
        run = join(extra)
    output = run.stdout + run.stderr
    assert run.returncode != 0, "the play should fail:\n" + output[-3000:]
    assert "%s: kube-apiserver did not become healthy" % second in output, output[-3000:]
    assert "unknown flag" in output, output[-3000:]
    if rest:
        assert "The roll stops here: %s left as they were" % ", ".join(rest) in output, output[-3000:]
    # no worker was touched and nothing cluster-wide was done after the failure
    assert "TASK [hardway.nodejoin.worker :" not in run.stdout.split("Prepare each control plane host")[-1]
    # the first host keeps its edit, in the unit and in the running process
    assert "--event-ttl=61m" in hosts[first].file(UNIT).content_string
    assert running_flags(hosts[first], "kube-apiserver").get("--event-ttl") == "61m"
    # the second is back on its unit, byte for byte, running without the broken flag, and ready
    assert hosts[second].check_output("sha256sum %s", UNIT) == unit_before[second]
    assert "--hardway-test-no-such-flag" not in running_flags(hosts[second], "kube-apiserver")
    assert started(hosts[second]) != started_before[second]
    ready = kubectl_on(hosts[first], "get", "--raw", "/readyz", "--server=https://%s:6443" % second)
    assert ready.rc == 0 and ready.stdout.strip() == "ok", ready.stdout + ready.stderr
    # the hosts after it were never touched: same unit, same process
    for name in rest:
        assert hosts[name].check_output("sha256sum %s", UNIT) == unit_before[name], name
        assert started(hosts[name]) == started_before[name], name
    # the API answered through the load balancer all along
    assert load.answered > 20, load.codes
    assert load.failed == 0, "%d of %d requests through the load balancer failed: %s" % (
        load.failed, len(load.codes), load.codes)


def test_a_roll_over_every_host_keeps_the_api_answering(control_planes, lb, event_ttl_cleanup):
    """Every host restarts, one after the other (each ready before the next goes down)."""
    names = list(control_planes)
    hosts = control_planes
    before = dict((n, started(hosts[n])) for n in names)
    with Load(hosts[names[0]], lb[0]) as load:
        start = time.time()
        run = join({"control_plane_apiserver_extra_flags": {"--event-ttl": "62m"}})
        took = time.time() - start
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    print("join.yml rolling %d API servers: %.0f s" % (len(names), took))
    after = dict((n, started(hosts[n])) for n in names)
    for name in names:
        assert after[name] != before[name], "%s was not restarted" % name
        assert running_flags(hosts[name], "kube-apiserver").get("--event-ttl") == "62m", name
    # in inventory order, one at a time: each became active after the one before it
    entered = [after[n][1] for n in names]
    assert entered == sorted(entered), dict(zip(names, entered))
    assert load.answered > 20, load.codes
    assert load.failed == 0, "%d of %d requests through the load balancer failed: %s" % (
        load.failed, len(load.codes), load.codes)
