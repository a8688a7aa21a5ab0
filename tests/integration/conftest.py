"""Integration tests against the lab: real machines reached with testinfra's Ansible
backend through inventories/lab, and the real API server through kubectl on the
control plane host. Run by `molecule verify` (and so by `make test`)."""

import json
import os
import shlex
import subprocess
import sys
import time

import pytest
import testinfra

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The lab's inventory folder: inventories/lab (nspawn), or the folder of LAB_INVENTORY
# (the hosts.yml lab/bin/lab writes; inventories/lab-vm for the QEMU scenario).
INVENTORY = os.path.dirname(os.environ["LAB_INVENTORY"]) if os.environ.get("LAB_INVENTORY") \
    else os.path.join(ROOT, "inventories", "lab-ha" if int(os.environ.get("LAB_CONTROL_PLANES") or 1) > 1 else "lab")


# the lab's state folder, as lab/bin/lab wrote it into the inventory (the one place that
# decides it); its ssh config is there (testinfra does not template the inventory's
# ansible_ssh_common_args, so it gets the file directly)
def _lab_state(inventory):
    import yaml

    with open(os.path.join(inventory, "hosts.yml")) as handle:
        return yaml.safe_load(handle)["all"]["vars"]["lab_state_dir"]


STATE = _lab_state(INVENTORY)
SSH_CONFIG = os.path.join(STATE, "ssh_config")


def run_ansible(tool, *args, timeout=600, inventory=None, env=None):
    """Run this venv's ``ansible`` or ``ansible-playbook`` with the lab inventory (or
    ``inventory``) from the repository root; returns the CompletedProcess (text output).
    Colour is off: Molecule sets ANSIBLE_FORCE_COLOR for what it runs, and tests parse
    this output."""
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", **(env or {}))
    command = [os.path.join(os.path.dirname(sys.executable), tool), "-i", inventory or INVENTORY] + list(args)
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def ansible_playbook(playbook, *args, **kwargs):
    """``ansible-playbook`` of ``playbook`` (a path relative to the repository) on the lab."""
    return run_ansible("ansible-playbook", os.path.join(ROOT, playbook), *args, **kwargs)


#: Every file the join (or the kubelet during its TLS bootstrap) may write on a worker.
WORKER_FILES = ("/etc/kubernetes /var/lib/kubelet/config.d /var/lib/kubelet/pki /var/lib/kubelet/kubeconfig "
                "/var/lib/kubelet/ca.crt /var/lib/kubelet/kubelet-config.yaml /etc/systemd/system/kubelet.service* "
                "/etc/systemd/system/kubelet.service.d /etc/cni/net.d /var/lib/hardway-nodejoin")


def worker_checksums(host):
    """Mode, owner, symlink target and sha256 of every file the join may write on ``host``
    (a testinfra host), one line each: equal before and after means nothing changed."""
    return host.check_output(
        "find %s \\( -type f -o -type l \\) -printf '%%m %%U %%p %%l\\n' 2>/dev/null | sort; "
        "find %s -type f 2>/dev/null | sort | xargs -r sha256sum" % (WORKER_FILES, WORKER_FILES))


@pytest.fixture()
def reset(inventory):
    """A function that puts the first worker back in its state before the join (the
    previous lesson's standalone kubelet, or ``unit="absent"``: no kubelet unit at all)
    and returns its name."""
    worker = inventory["workers"][0]

    def _reset(unit="standalone"):
        run = ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e",
                               json.dumps({"reset_hosts": worker, "reset_kubelet_unit": unit}))
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        return worker
    return _reset


def join(extra=None, *args, **kwargs):
    """``playbooks/join.yml`` on the lab with extra variables ``extra`` (a dict)."""
    return ansible_playbook("playbooks/join.yml", "-e", json.dumps(extra or {}), *args, **kwargs)


def _host(name):
    return testinfra.get_host("ssh://%s" % name, ssh_config=SSH_CONFIG)


@pytest.fixture(scope="session")
def inventory_manager():
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    return InventoryManager(loader=DataLoader(), sources=[INVENTORY])


@pytest.fixture(scope="session")
def inventory(inventory_manager):
    """The lab inventory as {group: [hosts]}."""
    return dict((g, [h.name for h in inventory_manager.groups[g].get_hosts()]) for g in ("control_plane", "workers"))


@pytest.fixture(scope="session")
def worker_ips(inventory, inventory_manager):
    """{worker name: its address on the lab network}."""
    return dict((name, inventory_manager.get_host(name).vars["lab_ip"]) for name in inventory["workers"])


@pytest.fixture(scope="session")
def cp(inventory):
    return _host(inventory["control_plane"][0])


@pytest.fixture(scope="session")
def workers(inventory):
    return [_host(name) for name in inventory["workers"]]


@pytest.fixture(scope="session")
def worker_names(inventory):
    return inventory["workers"]


class Kubectl:
    """kubectl on the control plane host, with its admin kubeconfig."""

    def __init__(self, host):
        self.host = host

    def run(self, *args):
        return self.host.run("kubectl --kubeconfig=/etc/kubernetes/admin.conf " + " ".join(shlex.quote(a) for a in args))

    def json(self, *args):
        result = self.run(*args, "-o", "json")
        assert result.rc == 0, result.stderr
        return json.loads(result.stdout)

    def wait(self, predicate, timeout=60, interval=1):
        deadline = time.time() + timeout
        while True:
            value = predicate()
            if value or time.time() > deadline:
                return value
            time.sleep(interval)


@pytest.fixture(scope="session")
def kubectl(cp):
    return Kubectl(cp)


@pytest.fixture(scope="session")
def joined(kubectl, worker_names):
    """The lab's workers joined with the defaults (what Molecule's converge leaves), so a test
    that checks a joined cluster runs alone too (pytest -k NAME): the join runs unless every
    worker already is a Node."""
    nodes = kubectl.run("get", "nodes", "-o", "name").stdout.split()
    if all("node/%s" % name in nodes for name in worker_names):
        return None
    run = join()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return run


#: The drop-in the signing-duration fixture writes beside each kube-controller-manager unit: its
#: own file, so taking it away restores exactly what ran before (the unit itself is never edited).
SIGNING_DURATION_DROP_IN = ("/etc/systemd/system/kube-controller-manager.service.d/"
                            "90-hardway-nodejoin-test-signing-duration.conf")


def _systemd_quote(arg):
    """One argument of ExecStart= (systemd.service(5) "Command lines"): ``%`` and ``$`` are
    escaped (specifiers, environment variables), and the word is single-quoted when it holds
    a space or a quote."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c in arg for c in " \t'\"\\;"):
        return arg
    return shlex.quote(arg)


class SigningDuration:
    """Sets kube-controller-manager's ``--cluster-signing-duration`` on every control plane
    host of the lab, through a systemd drop-in that repeats the running process's command
    line (``/proc/<MainPID>/cmdline``) with the flag added, and takes it away again
    (``restore``). Each change restarts the controller-manager, checks that the running
    process has (or no longer has) the flag, and waits until a restarted controller-manager
    holds the ``kube-system/kube-controller-manager`` leader Lease: its controllers (the CSR
    signer among them) only run once it leads (a stopped leader does not release the Lease,
    so this takes up to the 15 s lease duration)."""

    def __init__(self, hosts, kubectl):
        self.hosts = hosts
        self.kubectl = kubectl
        self.original = {}

    @staticmethod
    def _argv(host):
        pid = host.check_output("systemctl show -p MainPID --value kube-controller-manager")
        assert pid.isdigit() and int(pid) > 0, "kube-controller-manager is not running (MainPID=%s)" % pid
        return [a for a in host.check_output("tr '\\0' '\\n' < /proc/%s/cmdline" % pid).split("\n") if a]

    @staticmethod
    def _without_flag(argv):
        out, skip = [], False
        for arg in argv:
            if skip:
                skip = False
            elif arg == "--cluster-signing-duration":
                skip = True
            elif not arg.startswith("--cluster-signing-duration="):
                out.append(arg)
        return out

    def _lease_acquired_after(self, since, timeout):
        """The leader Lease's acquireTime (a timezone-aware datetime) once it is later than
        ``since`` (the same), waiting at most ``timeout`` seconds."""
        import datetime

        def acquired():
            lease = self.kubectl.json("get", "lease", "-n", "kube-system", "kube-controller-manager")
            at = lease["spec"].get("acquireTime")
            if at and datetime.datetime.fromisoformat(at.replace("Z", "+00:00")) > since:
                return datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
            return None
        at = self.kubectl.wait(acquired, timeout=timeout, interval=2)
        assert at, "no restarted kube-controller-manager took the leader Lease within %s s" % timeout
        return at

    def _restart(self, check, timeout=120):
        """Restart every controller-manager; ``check(hostname, argv)`` judges each running
        command line."""
        import datetime

        since = datetime.datetime.now(datetime.timezone.utc)
        for host in self.hosts:
            host.check_output("systemctl daemon-reload && systemctl restart kube-controller-manager")
        for host in self.hosts:
            argv = self.kubectl.wait(lambda: self._running_argv(host), timeout=60)
            assert argv and check(host.backend.hostname, argv), \
                "kube-controller-manager on %s runs %s" % (host.backend.hostname, argv)
        return self._lease_acquired_after(since, timeout)

    def _running_argv(self, host):
        try:
            return self._argv(host)
        except AssertionError:
            return None

    def set(self, duration):
        """Run every kube-controller-manager with ``--cluster-signing-duration=<duration>`` (a
        Go duration, e.g. ``3m``); returns the time (aware datetime) from which the new
        duration signs: the restarted controller-manager's Lease acquireTime."""
        for host in self.hosts:
            self.original.setdefault(host.backend.hostname, self._argv(host))
            argv = self._without_flag(self.original[host.backend.hostname]) + ["--cluster-signing-duration=%s" % duration]
            text = "[Service]\nExecStart=\nExecStart=%s\n" % " \\\n    ".join(_systemd_quote(a) for a in argv)
            host.check_output("mkdir -p %s && printf '%%s' %s > %s" % (
                os.path.dirname(SIGNING_DURATION_DROP_IN), shlex.quote(text), SIGNING_DURATION_DROP_IN))
        flag = "--cluster-signing-duration=%s" % duration
        return self._restart(lambda _name, argv: flag in argv)

    def restore(self):
        """Take the drop-in away and restart the controller-managers that had it (nothing
        happens where there is none); each then runs the command line it ran before ``set``
        (any, for a drop-in an interrupted run left). Returns the new Lease acquireTime, or
        None."""
        changed = [h for h in self.hosts if h.file(SIGNING_DURATION_DROP_IN).exists]
        if not changed:
            return None
        for host in changed:
            host.check_output("rm -f %s && rmdir --ignore-fail-on-non-empty %s" % (
                SIGNING_DURATION_DROP_IN, os.path.dirname(SIGNING_DURATION_DROP_IN)))
        saved, self.hosts = self.hosts, changed
        try:
            return self._restart(lambda name, argv: argv == self.original.get(name, argv))
        finally:
            self.hosts = saved


@pytest.fixture()
def short_signing_duration(inventory, kubectl):
    """A SigningDuration for every control plane host: ``.set("3m")`` shortens the lifetime of
    the certificates kube-controller-manager signs, ``.restore()`` takes it back; the
    teardown always restores."""
    controller = SigningDuration([_host(name) for name in inventory["control_plane"]], kubectl)
    controller.restore()  # a drop-in left by an interrupted run
    yield controller
    controller.restore()
