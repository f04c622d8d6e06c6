"""HTTPS with a private CA: validate_certs, ca_path, and the CA variables of the environment (REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE) against a simulator that serves HTTPS with a throwaway CA.

What wins (docs/user-guide.md, "TLS certificates"), each proven with the variables unset, pointing to the system
bundle and pointing to the test CA:
* validate_certs false: nothing is verified, whatever the environment says; one warning per task.
* ca_path given: only that bundle is trusted, whatever the environment says.
* validate_certs true, no ca_path: the environment's bundle if set (legitimate trust configuration, as for every
  requests-based tool), else the bundle of requests (certifi)."""

import json
import os
import ssl
import subprocess
import sys
import urllib.request

import pytest
from ansible.module_utils.common import warnings as module_warnings

from collection_paths import collection_root
from module_harness import run_module
from tests.moodle_sim import Simulator
from tls_certs import make_test_certificates

ADMIN_PASSWORD = "Admin#12345"
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
CERT_WARNING = "TLS certificates are not verified"
ENVIRONMENTS = ("unset", "system bundle", "test CA")


def system_bundle():
    """A real CA bundle that does not hold the test CA (the machine's, else the one requests ships)."""
    path = ssl.get_default_verify_paths().cafile
    if path and os.path.isfile(path):
        return path
    import certifi
    return certifi.where()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_test_certificates(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module")
def https_sim(certs):
    sim = Simulator(state="fresh", moodle="4.5", tls=certs.server_pair).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def site(https_sim, certs, monkeypatch):
    """A fresh site and empty log (reset over HTTPS with the test CA); every session it hands out is remembered
    (sim.sessions_seen) for the secrets check; no module warning left over from an earlier in-process run."""
    reset = urllib.request.Request(https_sim.url + "/__sim__/reset", data=b'{"state": "fresh"}', method="POST",
                                   headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(reset, context=ssl.create_default_context(cafile=certs.ca)) as answer:
        assert json.load(answer)["ok"]
    seen = []
    new_session = https_sim.state.new_session

    def remembering_new_session(*args, **kwargs):
        session = new_session(*args, **kwargs)
        seen.append(session)
        return session
    monkeypatch.setattr(https_sim.state, "new_session", remembering_new_session)
    monkeypatch.setattr(https_sim, "sessions_seen", seen, raising=False)
    # ansible-core collects module warnings in a process-wide list (2.16) / dict (2.19+); run_module reuses the process
    monkeypatch.setattr(module_warnings, "_global_warnings", type(module_warnings._global_warnings)())
    return https_sim


@pytest.fixture(params=ENVIRONMENTS)
def ca_environment(request, monkeypatch, certs):
    """REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE unset, or both pointing to the system bundle or to the test CA."""
    bundle = {"system bundle": system_bundle(), "test CA": certs.ca}.get(request.param)
    for name in CA_VARIABLES:
        if bundle is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, bundle)
    return request.param


def enable_rest(sim, tracebacks=True, **tls):
    args = dict(url=sim.url, username="admin", password=ADMIN_PASSWORD, protocols=["rest"], **tls)
    return run_module("moodle_webservice_enable", args, tracebacks=tracebacks)


def assert_no_secret(result, sim):
    text = json.dumps(result)
    secrets = [ADMIN_PASSWORD] + [value for session in sim.sessions_seen for value in (session.sesskey, session.sid)]
    assert not [secret for secret in secrets if secret in text], "a secret in the result"


def assert_refused_clearly(result, sim):
    assert result.get("failed"), result
    message = result["msg"]
    assert message.startswith("TLS verification failed for GET "), message
    assert "CERTIFICATE_VERIFY_FAILED" in message and "ca_path" in message and "validate_certs" in message
    # an expected failure: a message, no traceback (2.19+ may add fail_json's own call stack, never the failure's)
    assert "Traceback" not in message
    assert "SSLError" not in result.get("exception", "") and "http_transport" not in result.get("exception", "")
    assert_no_secret(result, sim)
    # the handshake failed: no request reached Moodle, so nothing was written (or even read)
    assert sim.requests == []


def certificate_warnings(result):
    return [str(warning) for warning in result.get("warnings", []) if CERT_WARNING in str(warning)]


@pytest.mark.parametrize("ca_environment", ["unset", "system bundle"], indirect=True)
def test_untrusted_certificate_fails_clearly(site, ca_environment):
    # the default retries: a certificate that does not verify is not retried (one handshake, no backoff)
    result = enable_rest(site, tracebacks=False, validate_certs=True)
    assert_refused_clearly(result, site)
    assert result["debug"]["http_requests"] == 1


def test_environment_bundle_is_trusted_without_ca_path(site, monkeypatch, certs):
    """No ca_path: REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE alone) is how requests-based tools are told whom to trust."""
    for only in CA_VARIABLES:
        for name in CA_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(only, certs.ca)
        result = enable_rest(site, validate_certs=True)
        assert not result.get("failed"), result["msg"]
        assert not certificate_warnings(result)
    assert [record.path for record in site.requests if record.write], "the site was not changed"


def test_ca_path_verifies_and_wins_over_the_environment(site, ca_environment, certs):
    first = enable_rest(site, validate_certs=True, ca_path=certs.ca)
    assert not first.get("failed"), first["msg"]
    assert first["changed"] and not certificate_warnings(first)
    writes = [record for record in site.requests if record.write]
    assert writes and all(record.status < 400 for record in writes)
    site.clear_log()
    second = enable_rest(site, validate_certs=True, ca_path=certs.ca)
    assert not second.get("failed") and not second["changed"], second
    assert not [record for record in site.requests if record.write]
    assert_no_secret(first, site)
    assert_no_secret(second, site)


def test_ca_path_is_the_only_trust_even_when_the_environment_trusts_the_site(site, monkeypatch, certs):
    for name in CA_VARIABLES:
        monkeypatch.setenv(name, certs.ca)
    result = enable_rest(site, tracebacks=False, validate_certs=True, ca_path=system_bundle())
    assert_refused_clearly(result, site)


def test_validate_certs_false_verifies_nothing_and_warns_once(site, ca_environment, recwarn):
    result = enable_rest(site, validate_certs=False)
    assert not result.get("failed"), result["msg"]
    assert result["changed"]
    warnings = certificate_warnings(result)
    assert len(warnings) == 1, result.get("warnings")
    assert site.url in warnings[0] and "ca_path" in warnings[0]
    assert [record for record in site.requests if record.write]
    assert not [w for w in recwarn if type(w.message).__name__ == "InsecureRequestWarning"]
    assert_no_secret(result, site)


def test_validate_certs_false_on_http_does_not_warn(monkeypatch):
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(module_warnings, "_global_warnings", type(module_warnings._global_warnings)())
    with Simulator(state="configured") as sim:
        result = run_module("moodle_info", dict(url=sim.url, username="admin", password=ADMIN_PASSWORD,
                                                validate_certs=False, gather=["auth"]))
    assert not result.get("failed"), result["msg"]
    assert not certificate_warnings(result)


PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Read the site without verifying its certificate
      moodleops.auth.moodle_info:
        validate_certs: false
        gather: [auth]
      register: facts
    - name: It answered
      ansible.builtin.assert:
        that: [facts is not failed, facts.release is defined]
"""


def test_playbook_warns_once_at_vvv(site, tmp_path, certs):
    (tmp_path / "play.yml").write_text(PLAY)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), MOODLE_URL=site.url, MOODLE_USERNAME="admin",
               MOODLE_PASSWORD=ADMIN_PASSWORD, REQUESTS_CA_BUNDLE=certs.ca, CURL_CA_BUNDLE=certs.ca)
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    run = subprocess.run([playbook, "-vvv", "-i", "localhost,", str(tmp_path / "play.yml"),
                          "-e", "ansible_python_interpreter=%s" % sys.executable],
                         env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:]
    assert run.stdout.count(CERT_WARNING) == 1, run.stdout[-4000:]
    assert site.requests, "the play did not reach the simulator"
    assert ADMIN_PASSWORD not in run.stdout
    assert not [s for s in site.sessions_seen if s.sesskey in run.stdout or s.sid in run.stdout]
