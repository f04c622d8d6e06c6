"""Unit tests of plugins/module_utils/moodle/services.py against real Moodle answers (4.5.6 and 5.1.3) replayed
from ../shared/moodle-fixtures: a service's functions and the functions that can be added. The login and replay
helpers are test_core_against_recordings'."""

import re

import pytest

from recorded_replay import VERSIONS, ReplayServer, exchange, fixtures_available
from test_core_against_recordings import ADMIN, ADMIN_LOGIN, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import ExternalService, ExternalServices

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


def _option_ids(body, select):
    """{id: label} of <select name=select>'s options with an id value, read from the recorded bytes."""
    inner = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % re.escape(select), body, re.S).group(1)
    return dict((int(value), " ".join(label.split())) for value, label in
                re.findall(r'<option value="(\d+)"\s*>([^<]*)</option>', inner))


@pytest.mark.parametrize("version", VERSIONS)
def test_service_functions_read_path(version):
    """moodle_external_service functions: admin login -> add-functions form (fids[] starts with an empty
    placeholder option) -> the function ids; then the service's function list (delete links' fid)."""
    steps = need(version, ADMIN_LOGIN + ["f06-functions-add-form", "f06-functions-add-post-hop1"])
    with ReplayServer(steps, version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        services = ExternalServices(client)
        service = ExternalService(3, "CI bootstrap", True, False, shortname="ci_bootstrap")
        addable = services.addable_functions(service)
        current = services.functions(service)
    form_body = exchange("f06-functions-add-form", version)["body"].decode("utf-8", "replace")
    assert '<option value="" >No selection</option>' in form_body
    expected = dict((label.split(":", 1)[0], number) for number, label in _option_ids(form_body, "fids[]").items())
    assert addable == expected and len(addable) > 700
    assert current == {"core_user_get_users_by_field": addable["core_user_get_users_by_field"],
                       "core_webservice_get_site_info": addable["core_webservice_get_site_info"]}
    method, path, _body = site.seen[4]
    assert (method, path.split("?")[0]) == ("GET", "/admin/webservice/service_functions.php")
    assert "action=add" in path and "id=3" in path
