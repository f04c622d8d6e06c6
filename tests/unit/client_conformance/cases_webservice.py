"""The web service protocols (flow f04): moodle.webservice.HttpWebServices."""

import re

from client_conformance.core import Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices


# -- protocols ---------------------------------------------------------------------------------------------------
def protocols(rec, version):
    client = client_on(version, rec)
    found = HttpWebServices(client, HttpSettings(client)).protocols()
    expected = {}
    for href in re.findall(r'href="([^"]*protocols\.php\?[^"]*)"', rec.text):
        href = href.replace("&amp;", "&")
        name = re.search(r"webservice=([a-z]+)", href).group(1)
        expected[name] = "action=disable" in href
    assert expected and found == expected


def protocol_switched(rec, version):
    client = client_on(version, rec)
    HttpWebServices(client, HttpSettings(client)).set_protocol("rest", True)
    assert rec.status == 303  # redirect to the protocols section, whether it worked or not (read back)


CASES = [
    Case("f04-protocols-get", "moodle.webservice.HttpWebServices.protocols (toggle links)", protocols),
    Case("f04-protocols-get-after", "moodle.webservice.HttpWebServices.protocols (toggle links)", protocols),
    Case("f04-protocols-enable-rest-hop1", "moodle.webservice.HttpWebServices.protocols (toggle links)", protocols),
    Case("f04-protocols-enable-rest", "moodle.webservice.HttpWebServices.set_protocol (303)", protocol_switched),
]
