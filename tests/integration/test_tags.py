"""Each lesson step is a tag: a run of one of them works on its own on a joined cluster and
changes nothing (the preflight and the plan run whatever the tags; the steps that need a token
make it)."""

import re

import pytest

from conftest import join

pytestmark = pytest.mark.usefixtures("joined")


def _changed(output):
    """The changed= counts of a PLAY RECAP."""
    return [int(n) for n in re.findall(r"\bchanged=(\d+)", output)]


@pytest.mark.parametrize("tag", ["preflight", "apiserver", "kubelet", "join"])
def test_one_step_alone_on_a_joined_cluster(tag):
    run = join({}, "--tags", tag)
    assert run.returncode == 0, (tag, run.stdout[-3000:])
    changed = _changed(run.stdout)
    assert changed and not any(changed), (tag, run.stdout[-2000:])
