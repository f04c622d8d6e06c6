# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users by username or id, through the AJAX-enabled core_user_get_users_by_field of an admin session."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError


class Users:
    """Lookups are kept on the client until it writes (MoodleClient.read_cache): the entries of one moodle_site run
    and the sections of one task look each user up once."""

    def __init__(self, client):
        self.client = client
        cache = getattr(client, "read_cache", None)
        self._by_username = cache("users by username") if cache else {}
        self._by_id = cache("users by id") if cache else {}
        self._missing = cache("usernames not found") if cache else {}

    def _fetch(self, field, values):
        values = [value for value in values if value not in self._missing]
        if not values:
            return
        found = self.client.ajax("core_user_get_users_by_field", {"field": field, "values": list(values)},
                                 read_only=True) or []
        for user in found:
            self._by_username[user["username"]] = user
            self._by_id[int(user["id"])] = user
        if field == "username":
            for value in values:
                if value not in self._by_username:
                    self._missing[value] = True

    def find(self, username):
        """The user record (deleted users are not returned), or None."""
        if username not in self._by_username:
            self._fetch("username", [username])
        return self._by_username.get(username)

    def prefetch(self, usernames):
        """Look many users up in one request (those not known yet)."""
        wanted = sorted(set(str(name).strip().lower() for name in usernames if name))
        self._fetch("username", [name for name in wanted if name not in self._by_username])

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
