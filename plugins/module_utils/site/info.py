# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_site_info as an action (module_utils.converge.Action): its options and the one read of the site
(site/export.py's SiteReader), with the token store pruning it may do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Action
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.site.export import SiteReader

SITE_INFO_OPTIONS = dict(
    token_store=dict(type="path", no_log=False),
    prune_token_store=dict(type="bool", default=False, no_log=False),
    auth_settings=dict(type="str", default="enabled", choices=["enabled", "all", "none"]),
    export_defaults=dict(type="bool", default=False),
    managed=dict(type="dict", options=dict(
        tokens=dict(type="list", elements="dict", no_log=False),
        services=dict(type="list", elements="raw"),
        webservices_services=dict(type="list", elements="str"),
        auth_plugins=dict(type="list", elements="str"),
    )),
)


class SiteInfo(Action):
    """Reads the site into a description and audit facts (moodle_site_info). It never changes the site; with
    ``prune_token_store`` it removes this site's stale entries from the controller's token store, which check mode
    (``preview``) only lists."""

    @property
    def changes_site(self):
        """Whether the run writes (the token store, with prune_token_store): check mode then runs ``preview``."""
        return bool(self.params["prune_token_store"])

    def check_options(self):
        """A site administrator's session is needed (auth_method: password); a token cannot read admin pages."""
        if not self.moodle.client.auth.has_session:
            raise InvalidInputError("moodle_site_info needs a site administrator's session (auth_method: password).",
                                    hint="Give username and password of a site administrator.")

    def run(self):
        """The whole read; with prune_token_store the stale entries are removed (listed in ``pruned``)."""
        return self.read(check_mode=self.moodle.check_mode)

    def preview(self):
        """Check mode with prune_token_store: the whole read, ``pruned`` listing what would be removed."""
        return self.read(check_mode=True)

    def read(self, check_mode):
        """The module's result: ``changed`` when stale token store entries were (in ``check_mode``: would be)
        removed."""
        params = self.params
        reader = SiteReader(self.moodle.client, self.moodle.settings, self.moodle.redact,
                            token_store=params["token_store"], state=self.moodle.state,
                            auth_settings=params["auth_settings"], managed=params["managed"],
                            export_defaults=params["export_defaults"])
        result = reader.read(prune_token_store=params["prune_token_store"], check_mode=check_mode)
        result["changed"] = bool(result["pruned"])
        return result
