"""Token discovery against the lab: the control plane role publishes cluster-info (and
turns on the bootstrapsigner), then the cluster_info module on a worker fetches it
without trusting the server, verifies the JWS with a real token and pins the CA. A wrong
pin and a wrong token are refused."""

import json

import pytest

from conftest import ansible_playbook, run_ansible


def _module(host, module, args):
    """Run a module ad hoc; returns (rc, result dict)."""
    run = run_ansible("ansible", host, "-m", module, "-a", json.dumps(args), "-o")
    line = (run.stdout.strip().splitlines() or [""])[-1]
    if "=> " not in line:
        return run.returncode, {"raw": run.stdout + run.stderr}
    result, _end = json.JSONDecoder().raw_decode(line.split("=> ", 1)[1])
    return run.returncode, result


@pytest.fixture(scope="module")
def discovery_enabled(inventory):
    run = ansible_playbook("playbooks/join.yml", "--limit", inventory["control_plane"][0],
                           "-e", "control_plane_discovery=true")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return True


@pytest.fixture(scope="module")
def signing_token(discovery_enabled, inventory):
    rc, token = _module(inventory["control_plane"][0], "hardway.nodejoin.bootstrap_token",
                        {"ttl": "10m", "min_remaining_ttl": "1m", "reuse": False,
                         "description": "integration test: discovery"})
    assert rc == 0, token
    yield token
    _module(inventory["control_plane"][0], "hardway.nodejoin.bootstrap_token",
            {"state": "absent", "token_id": token["token_id"]})


@pytest.fixture(scope="module")
def api_server(inventory, inventory_manager):
    host = inventory_manager.get_host(inventory["control_plane"][0])
    return "https://%s:6443" % host.vars["lab_ip"]


@pytest.fixture(scope="module")
def ca_hash(cp):
    out = cp.check_output("openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | "
                          "openssl pkey -pubin -outform der | openssl dgst -sha256 -hex")
    return "sha256:" + out.split()[-1]


def test_discovery_with_pinned_ca(signing_token, ca_hash, cp, inventory, api_server):
    rc, result = _module(inventory["workers"][0], "hardway.nodejoin.cluster_info", {
        "api_server": api_server,
        "token": signing_token["token"], "ca_cert_hashes": [ca_hash], "timeout": 60})
    assert rc == 0, result
    assert result["ca_cert_hashes"] == [ca_hash]
    assert result["ca_cert"].strip() == cp.file("/etc/kubernetes/pki/ca.crt").content_string.strip()
    assert result["token_id"] == signing_token["token_id"]


def test_discovery_refuses_a_wrong_pin(signing_token, inventory, api_server):
    rc, result = _module(inventory["workers"][0], "hardway.nodejoin.cluster_info", {
        "api_server": api_server, "token": signing_token["token"],
        "ca_cert_hashes": ["sha256:" + "0" * 64], "timeout": 30})
    assert rc != 0
    assert "matches none of the pinned" in result.get("msg", ""), result


def test_discovery_refuses_a_token_whose_secret_is_wrong(signing_token, inventory, ca_hash, api_server):
    token_id = signing_token["token_id"]
    rc, result = _module(inventory["workers"][0], "hardway.nodejoin.cluster_info", {
        "api_server": api_server, "token": token_id + ".0000000000000000",
        "ca_cert_hashes": [ca_hash], "timeout": 30})
    assert rc != 0
    assert "does not verify" in result.get("msg", ""), result


def test_discovery_needs_a_pin_or_an_explicit_unsafe_skip(signing_token, inventory, api_server):
    rc, result = _module(inventory["workers"][0], "hardway.nodejoin.cluster_info", {
        "api_server": api_server, "token": signing_token["token"]})
    assert rc != 0 and "unsafe_skip_ca_verification" in result.get("msg", ""), result
