# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which tokens of a site the token store of this controller keeps the value of (moodle_site_info).

Moodle shows a token's value once, so moodle_token can only keep a token it created. A store entry is a token's only
when id, user, service and name agree (``pair_store_entries``); this site's other entries are stale (a site restored
from a backup hands their ids to new tokens) and ``SiteReader.prune`` (site/export.py) removes them. Only the store's
keys and token ids are read here, never a value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime


def iso_time(timestamp):
    """A Unix time (as the token store keeps ``created``) as 'YYYY-MM-DDTHH:MM:SSZ' (UTC); None when not one."""
    if not timestamp:
        return None
    try:
        return datetime.datetime.utcfromtimestamp(int(timestamp)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def site_store_entries(entries, base_url):
    """This site's entries of a token store (``{key: entry}``, keys ``url|user|service|name``) as
    ``[(key, parts, entry)]``, sorted by key; other sites' keys and keys of another shape are left out."""
    base = base_url.rstrip("/")
    found = []
    for key, entry in sorted(entries.items()):
        parts = key.split("|")
        if len(parts) == 4 and parts[0] == base and isinstance(entry, dict):
            found.append((key, parts, entry))
    return found


def _as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _known_user(token):
    """The token's owner was read (usernames_for gives '#<id>' for an account Moodle did not return)."""
    return bool(token["user"]) and not str(token["user"]).startswith("#")


def _same_user(username, token):
    """Moodle keeps usernames in lower case: compared case-insensitively."""
    return _known_user(token) and str(username).strip().lower() == str(token["user"]).lower()


def entry_agrees(parts, token):
    """Whether a store entry (its key ``url|user|service|name`` split) describes the site token ``token`` (user,
    service, name as read_tokens maps the report: the username of the row's user, the service's shortname or, when
    it has none, its name) as Moodle shows it. The service is compared as moodle_token finds it (exactly); the name
    only when the entry has one (moodle_token without a name lets Moodle name the token, e.g. "Webservice-AbCdE",
    and then owns a token of any name, as ``TokenRow.is_for`` does)."""
    if not _same_user(parts[1], token) or parts[2] != token["service"]:
        return False
    return not parts[3] or parts[3] == (token["name"] or "")


def _preferred(candidate, current, token):
    """Of two entries agreeing with one token, the one whose name is the token's, then the newer one."""
    def rank(stored):
        _key, parts, entry = stored[:3]
        return (bool(parts[3]) and parts[3] == (token["name"] or ""), _as_id(entry.get("created")) or 0, stored[0])
    return rank(candidate) > rank(current)


def pair_store_entries(store_entries, tokens):
    """Pair this site's token store entries (``site_store_entries``) with its tokens (read_tokens' site tokens).

    * An entry with a token id (method admin) pairs with the token of that id only when user, service and name agree
      (``entry_agrees``): after a site is restored from a backup (or a staging site refreshed from production), the
      store still holds entries of tokens that are gone, and Moodle hands their ids to new tokens. Of several entries
      agreeing with one token, ``_preferred`` picks one (the others are not stale: they agree with a live token).
    * An entry without an id (method login: login/token.php hands out the user's newest token) pairs with the first
      token of its user on its service that no entry with an id took; of several such entries (other names) the
      newest.

    Returns ``(paired, stale)``: ``{token id: (key, parts, entry, method)}`` and ``[(key, parts, entry, reason)]``,
    the entries no token could be theirs. An entry is never called stale on a guess: not when the token of its id has
    an owner that could not be read, nor (method login) when any token's owner could not be read."""
    by_id = dict((token["id"], token) for token in tokens)
    paired, stale = {}, []
    login = {}
    for key, parts, entry in store_entries:
        token_id = _as_id(entry.get("token_id"))
        if token_id is None:
            login.setdefault((parts[1].strip().lower(), parts[2]), []).append((key, parts, entry))
            continue
        token = by_id.get(token_id)
        if token is None:
            stale.append((key, parts, entry, "token %s no longer exists on the site" % token_id))
        elif not _known_user(token):
            continue
        elif not entry_agrees(parts, token):
            stale.append((key, parts, entry, "token %s on the site is another token now: %s's on %s%s" % (
                token_id, token["user"], token["service"], (", named %s" % token["name"]) if token["name"] else "")))
        elif token_id not in paired or _preferred((key, parts, entry), paired[token_id], token):
            paired[token_id] = (key, parts, entry, "admin")
    unknown_owner = any(not _known_user(token) for token in tokens)
    for (user, service), entries in sorted(login.items()):
        mine = [token for token in tokens if _same_user(user, token) and token["service"] == service]
        if not mine:
            if not unknown_owner:
                stale.extend((key, parts, entry, "no token of %s on %s exists on the site (method login)" % (
                    user, service)) for key, parts, entry in entries)
            continue
        free = [token for token in mine if token["id"] not in paired]
        if free:
            newest = max(entries, key=lambda stored: (_as_id(stored[2].get("created")) or 0, stored[0]))
            paired[free[0]["id"]] = newest + ("login",)
    return paired, stale


def stale_item(key, parts, entry, reason):
    """A stale token store entry as returned (``stale_store_entries``): its key and what the key and the entry say,
    never the value."""
    token_id = _as_id(entry.get("token_id"))
    return {"key": key, "user": parts[1], "service": parts[2], "name": parts[3] or None, "token_id": token_id,
            "method": "admin" if token_id is not None else "login", "created": iso_time(entry.get("created")),
            "reason": reason, "pruned": False}
