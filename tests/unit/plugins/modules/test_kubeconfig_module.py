# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process tests of the kubeconfig module: file mode, idempotence, diff, check mode."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.modules import kubeconfig as kubeconfig_module
from ansible_collections.hardway.nodejoin.tests.unit.helpers import run_module

SERVER = "https://10.0.0.10:6443"
TOKEN = "abcdef.0123456789abcdef"
TOKEN2 = "abcdef.k7x9m2p4q8w1e5r3"
CA_PEM = """-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUB1J8kGk4m8W0yqgV3YcT6bB9m2owCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEw
-----END CERTIFICATE-----
"""


def run(args, monkeypatch, capsys, check_mode=False, diff=False):
    """Run the module's main() in-process; return its JSON result."""
    return run_module(kubeconfig_module.main, args, monkeypatch, capsys, check_mode=check_mode, diff=diff)


@pytest.fixture
def ca_file(tmp_path):
    path = tmp_path / "ca.crt"
    path.write_text(CA_PEM)
    return str(path)


def args_for(path, ca_file, token=TOKEN, **extra):
    args = dict(path=str(path), server=SERVER, ca_cert_path=ca_file, token=token)
    args.update(extra)
    return args


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_creates_file_0600_then_idempotent(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "bootstrap-kubelet.conf"
    result = run(args_for(path, ca_file), monkeypatch, capsys)
    assert result["changed"] is True, result
    assert result["path"] == str(path)
    assert result["server"] == SERVER
    assert mode_of(path) == 0o600
    written = kc.loads(path.read_text())
    assert kc.equal(written, kc.build(SERVER, ca_pem=CA_PEM, token=TOKEN))
    assert TOKEN not in json.dumps(result)
    # no temporary files left next to it
    assert sorted(os.listdir(str(tmp_path))) == ["bootstrap-kubelet.conf", "ca.crt"]

    mtime = os.stat(str(path)).st_mtime_ns
    result = run(args_for(path, ca_file), monkeypatch, capsys)
    assert result["changed"] is False, result
    assert os.stat(str(path)).st_mtime_ns == mtime


def test_mode_can_be_set(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    result = run(args_for(path, ca_file, mode="0640"), monkeypatch, capsys)
    assert result["changed"] is True
    assert mode_of(path) == 0o640


def test_wrong_mode_of_an_equal_file_is_fixed(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    run(args_for(path, ca_file), monkeypatch, capsys)
    os.chmod(str(path), 0o644)
    result = run(args_for(path, ca_file), monkeypatch, capsys)
    assert result["changed"] is True
    assert mode_of(path) == 0o600


def test_token_change_is_a_change_and_the_diff_is_redacted(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "bootstrap-kubelet.conf"
    run(args_for(path, ca_file), monkeypatch, capsys)
    result = run(args_for(path, ca_file, token=TOKEN2), monkeypatch, capsys, diff=True)
    assert result["changed"] is True
    diff = result["diff"]
    assert diff["before_header"] == diff["after_header"] == str(path)
    assert "token: REDACTED" in diff["before"]
    assert "token: REDACTED" in diff["after"]
    out = json.dumps(result)
    assert TOKEN not in out and TOKEN2 not in out
    assert "0123456789abcdef" not in out and "k7x9m2p4q8w1e5r3" not in out
    assert yaml.safe_load(path.read_text())["users"][0]["user"]["token"] == TOKEN2
    assert mode_of(path) == 0o600


def test_no_diff_when_unchanged(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    run(args_for(path, ca_file), monkeypatch, capsys)
    result = run(args_for(path, ca_file), monkeypatch, capsys, diff=True)
    assert result["changed"] is False
    assert "diff" not in result


def test_check_mode_writes_nothing(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "bootstrap-kubelet.conf"
    result = run(args_for(path, ca_file), monkeypatch, capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert not path.exists()
    assert result["diff"]["before"] == ""
    assert "token: REDACTED" in result["diff"]["after"]
    assert sorted(os.listdir(str(tmp_path))) == ["ca.crt"]


def test_check_mode_leaves_an_existing_file_alone(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    run(args_for(path, ca_file), monkeypatch, capsys)
    before = path.read_bytes()
    result = run(args_for(path, ca_file, token=TOKEN2), monkeypatch, capsys, check_mode=True)
    assert result["changed"] is True
    assert path.read_bytes() == before


def test_a_reformatted_equal_file_is_not_rewritten(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "bootstrap-kubelet.conf"
    config = kc.build(SERVER, ca_pem=CA_PEM, token=TOKEN)
    # kubectl's key order (sorted), flow style, no preferences, a comment
    del config["preferences"]
    text = "# written by hand\n" + yaml.safe_dump(config, default_flow_style=True, sort_keys=True)
    assert text != kc.dumps(kc.build(SERVER, ca_pem=CA_PEM, token=TOKEN))
    path.write_text(text)
    os.chmod(str(path), 0o600)
    result = run(args_for(path, ca_file), monkeypatch, capsys, diff=True)
    assert result["changed"] is False, result
    assert path.read_text() == text


def test_an_invalid_file_is_replaced_with_a_warning(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    path.write_text("- not\n- a mapping\n")
    os.chmod(str(path), 0o600)
    # Spy on AnsibleModule.warn: where the warning ends up depends on the process (once a
    # controller-side plugin is imported by another test, ansible-core 2.19 sends module
    # warnings to Display instead of the result).
    warned = []
    original_warn = basic.AnsibleModule.warn

    def spy(self, warning, *args, **kwargs):
        warned.append(warning)
        return original_warn(self, warning, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "warn", spy)
    result = run(args_for(path, ca_file), monkeypatch, capsys)
    assert result["changed"] is True
    assert warned == ["%s: existing kubeconfig is not a YAML mapping; it will be replaced" % path]
    assert kc.equal(kc.loads(path.read_text()), kc.build(SERVER, ca_pem=CA_PEM, token=TOKEN))


def test_missing_ca_file_fails_clearly(tmp_path, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    missing = str(tmp_path / "pki" / "ca.crt")
    result = run(args_for(path, missing), monkeypatch, capsys)
    assert result["failed"] is True
    assert "cannot read the CA certificate %s" % missing in result["msg"]
    assert "No such file" in result["msg"]
    assert not path.exists()


def test_http_server_fails(tmp_path, ca_file, monkeypatch, capsys):
    result = run(args_for(tmp_path / "k.conf", ca_file, server="http://10.0.0.10:6443"), monkeypatch, capsys)
    assert result["failed"] is True
    assert "https://" in result["msg"]


def test_missing_directory_fails(tmp_path, ca_file, monkeypatch, capsys):
    result = run(args_for(tmp_path / "nope" / "k.conf", ca_file), monkeypatch, capsys)
    assert result["failed"] is True
    assert "does not exist" in result["msg"]


def test_ca_by_reference_and_client_certificate_paths(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "kubelet.conf"
    args = dict(path=str(path), server=SERVER, ca_cert_path=ca_file, embed_ca=False,
                client_cert_path="/var/lib/kubelet/pki/kubelet-client-current.pem",
                client_key_path="/var/lib/kubelet/pki/kubelet-client-current.pem")
    assert run(args, monkeypatch, capsys)["changed"] is True
    config = yaml.safe_load(path.read_text())
    assert config["clusters"][0]["cluster"] == {"server": SERVER, "certificate-authority": ca_file}
    assert config["users"][0]["user"]["client-key"] == "/var/lib/kubelet/pki/kubelet-client-current.pem"
    assert run(args, monkeypatch, capsys)["changed"] is False


def test_rewriting_a_world_readable_file_ends_0600(tmp_path, ca_file, monkeypatch, capsys):
    path = tmp_path / "k.conf"
    run(args_for(path, ca_file), monkeypatch, capsys)
    os.chmod(str(path), 0o644)
    result = run(args_for(path, ca_file, token=TOKEN2), monkeypatch, capsys)
    assert result["changed"] is True
    assert mode_of(path) == 0o600
    assert yaml.safe_load(path.read_text())["users"][0]["user"]["token"] == TOKEN2
