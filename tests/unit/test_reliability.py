"""Retries, timeouts and dropped connections, against the simulator's fault switch."""

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from tests.moodle_sim import Simulator

ADMIN = {"username": "admin", "password": "Admin#12345"}


@pytest.fixture
def sim():
    with Simulator(state="fresh") as simulator:
        yield simulator


def client_for(sim, **options):
    options = dict(dict(ADMIN, url=sim.url, timeout=5, retries=2), **options)
    client = MoodleClient(options, Redactor())
    client.transport.backoff = 0.01
    return client


def requests_to(sim, method, path):
    return [record for record in sim.requests if record.method == method and record.path == path]


def test_a_dropped_read_is_retried(sim):
    sim.set_fault("drop", count=1, path_prefix="/login/index.php")
    client = client_for(sim)
    assert client.session().user_id == 2
    assert len(requests_to(sim, "GET", "/login/index.php")) >= 2


def test_a_dropped_write_is_not_repeated(sim):
    client = client_for(sim)
    settings = HttpSettings(client)
    settings.read("optionalsubsystems", ["enablewebservices"])
    sim.clear_log()
    sim.set_fault("drop", count=1, path_prefix="/admin/settings.php")
    with pytest.raises(errors.MoodleConnectionError) as caught:
        settings.write("optionalsubsystems", {"enablewebservices": True})
    assert "closed the connection" in str(caught.value)
    assert len(requests_to(sim, "POST", "/admin/settings.php")) == 1


def test_500_answers_are_reported_not_retried(sim):
    sim.set_fault("error500", count=5, path_prefix="/login/index.php")
    client = client_for(sim)
    with pytest.raises(errors.NotMoodleError) as caught:
        client.session()
    assert "HTTP 500" in str(caught.value)
    assert len(requests_to(sim, "GET", "/login/index.php")) == 1
    sim.set_fault("none")
    client = client_for(sim)
    client.session()
    sim.set_fault("error500", count=5, path_prefix="/admin/")
    with pytest.raises(errors.PageError) as caught:
        HttpSettings(client).read("optionalsubsystems", ["enablewebservices"])
    assert caught.value.status == 500


def test_a_slow_answer_is_a_timeout_naming_the_option(sim):
    sim.set_fault("slow", count=3, delay=1.5, path_prefix="/login/index.php")
    client = client_for(sim, timeout=0.5, retries=0)
    with pytest.raises(errors.MoodleConnectionError) as caught:
        client.session()
    assert "No answer within 0.5 s" in str(caught.value) and "timeout" in str(caught.value)


def test_secrets_never_reach_connection_error_texts(sim):
    client = client_for(sim)
    session = client.session()
    sim.set_fault("drop", count=10, path_prefix="/login/logout.php")
    with pytest.raises(errors.MoodleConnectionError) as caught:
        client.transport.request("GET", "login/logout.php", params={"sesskey": session.sesskey}, write=True)
    assert session.sesskey not in str(caught.value)
