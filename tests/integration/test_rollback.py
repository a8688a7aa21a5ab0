"""A kube-apiserver unit edit that breaks the API server is rolled back (issue: "bad input
gets a clear error and loses nothing"). Runs the real role against the lab with a flag
kube-apiserver does not know, passed through the role's extra-flags variable."""

import json
import re

import pytest

from conftest import ansible_playbook

pytestmark = pytest.mark.usefixtures("joined")

UNIT = "/etc/systemd/system/kube-apiserver.service"


def _ansible_playbook(*args):
    return ansible_playbook("playbooks/join.yml", *args)


def test_broken_apiserver_flag_is_rolled_back(cp, kubectl):
    before = cp.check_output("sha256sum %s", UNIT)
    extra = {"control_plane_apiserver_extra_flags": {"--hardway-test-no-such-flag": "1"},
             "control_plane_apiserver_ready_timeout": 20}
    run = _ansible_playbook("--tags", "apiserver", "-e", json.dumps(extra))
    output = run.stdout + run.stderr
    assert run.returncode != 0, "the play should fail:\n" + output[-3000:]
    assert "was restored from" in output, output[-3000:]
    assert "unknown flag" in output, "the apiserver's own error should be in the message:\n" + output[-3000:]
    # the unit is byte-for-byte what it was, and the API server is healthy with it
    assert cp.check_output("sha256sum %s", UNIT) == before
    assert "--hardway-test-no-such-flag" not in cp.file(UNIT).content_string
    ready = kubectl.run("get", "--raw", "/readyz")
    assert ready.rc == 0 and ready.stdout.strip() == "ok", ready.stdout + ready.stderr
    # and a normal run afterwards changes nothing
    rerun = _ansible_playbook()
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    changed = [int(n) for n in re.findall(r"\bchanged=(\d+)", rerun.stdout)]
    assert changed and not any(changed), rerun.stdout[-2000:]
