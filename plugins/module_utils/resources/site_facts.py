# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_info: what the site is (release, tested or not) and, as asked, its auth plugins, web services switches and
external services, as an action (reads only), and its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Action
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import CliAuthPlugins, HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import CliWebServices, HttpWebServices
from ansible_collections.moodleops.auth.plugins.module_utils.versions import TESTED_TEXT, is_tested, release_branch

INFO_OPTIONS = dict(
    gather=dict(type="list", elements="str", default=["all"],
                choices=["all", "site", "auth", "webservices", "services"]),
)
SITE_INFO_PRIVATE_KEYS = ("userprivateaccesskey",)


class SiteFacts(Action):
    """The facts of one site: with a session from its admin pages, with only a token from
    core_webservice_get_site_info, with transport cli from its config."""

    def __init__(self, moodle):
        Action.__init__(self, moodle)
        gather = set(moodle.params["gather"])
        self.gather = set(["auth", "webservices", "services"]) if "all" in gather else gather

    def run(self):
        """The facts gathered, by the way the run reaches the site."""
        if self.moodle.transport == "cli":
            return self.from_cli()
        client = self.moodle.client
        if not client.auth.has_session:
            return self.from_token(client)
        client.session()
        facts = {"wwwroot": client.base_url}
        web = HttpWebServices(client, self.moodle.settings)
        if "auth" in self.gather:
            facts["auth_plugins"] = HttpAuthPlugins(client).read()
        if "webservices" in self.gather:
            enabled, mobile = web.switches()
            facts["web_services"] = {"enabled": enabled, "mobile": mobile, "protocols": web.protocols()}
        if "services" in self.gather:
            facts["services"] = [service.as_dict() for service in web.services()]
        facts.update(self.release_facts(client.release))
        return facts

    def from_token(self, client):
        """With only a token: core_webservice_get_site_info (its private access key left out)."""
        info = client.rest("core_webservice_get_site_info", read_only=True)
        for key in SITE_INFO_PRIVATE_KEYS:
            if info.get(key):
                self.moodle.redact.add(info[key])
                info.pop(key)
        facts = {"wwwroot": client.base_url, "site_info": info, "version": info.get("version")}
        facts.update(self.release_facts(info.get("release")))
        return facts

    def from_cli(self):
        """With transport cli: the site's config (admin/cli/cfg.php)."""
        settings = self.moodle.settings
        core = settings.read(None, ["release", "version"])
        facts = {"version": core["version"]}
        facts.update(self.release_facts(core["release"]))
        if "auth" in self.gather:
            facts["auth_plugins"] = CliAuthPlugins(settings).read()
        if "webservices" in self.gather:
            web = CliWebServices(settings)
            enabled, mobile = web.switches()
            facts["web_services"] = {"enabled": enabled, "mobile": mobile, "protocols": web.protocols()}
        return facts

    @staticmethod
    def release_facts(release):
        """release, branch, whether it is tested, and the tested branches."""
        branch = release_branch(release)
        return {"release": release, "branch": "%d.%d" % branch if branch else None,
                "tested": is_tested(release), "tested_branches": TESTED_TEXT.split(", ")}
