# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users by username or id, through the AJAX-enabled core_user_get_users_by_field of an admin session."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError


class Users:
    def __init__(self, client):
        self.client = client
        self._by_username = {}
        self._by_id = {}

    def _fetch(self, field, values):
        if not values:
            return
        found = self.client.ajax("core_user_get_users_by_field", {"field": field, "values": list(values)},
                                 read_only=True) or []
        for user in found:
            self._by_username[user["username"]] = user
            self._by_id[int(user["id"])] = user

    def ids_for(self, usernames, option="users"):
        """{username: id}; unknown usernames fail (before any write), all of them named."""
        wanted = [str(name).strip().lower() for name in usernames]
        self._fetch("username", [name for name in wanted if name not in self._by_username])
        unknown = sorted(name for name in wanted if name not in self._by_username)
        if unknown:
            raise InvalidInputError("%s names users that do not exist on the site: %s." % (option, ", ".join(unknown)),
                                    hint="Create them first, or fix the usernames; nothing was changed.")
        return dict((name, int(self._by_username[name]["id"])) for name in wanted)

    def usernames_for(self, ids):
        """{id: username} for ids; ids Moodle does not return map to '#<id>'."""
        self._fetch("id", [user_id for user_id in ids if user_id not in self._by_id])
        return dict((user_id, self._by_id[user_id]["username"] if user_id in self._by_id else "#%s" % user_id)
                    for user_id in ids)
