# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How one resource appears in a site description: a :class:`Section`, declared once, next to its resource
(``SECTION`` in ``module_utils/resources/<area>.py``) and collected by ``site/registry.py``.

``moodle_site`` (site/apply.py) is one loop over the registry; the description's schema and validation
(plugins/plugin_utils), the roles' section lists, ``moodle_site``'s ``sections`` choices and the docs come from it
or are tested against it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PENDING = "would be created by this run (check mode creates nothing)"


def list_entries(value):
    """The default reading of a section: a list of entries (a missing or empty section: none)."""
    return [dict(entry) for entry in value or []]


def same_entry(entries, index):
    """The default preparation of an entry: as written."""
    return entries[index]


def same_options(options):
    """The default: the options as they are."""
    return options


def one_object_per_entry(entries):
    """The default count of a section's objects: one per entry."""
    return len(entries)


class Section:
    """One section of the site description.

    * ``name``: the description's key; ``order``: where it is applied (lower first); ``role``: the role that applies
      it (``webservices`` or ``sso``).
    * ``module``, ``options``, ``transport``: the module whose options an entry holds, its option spec, and whether
      the transport options (``transport: cli``) apply.
    * ``resource(context)``: the converge resource for one entry (a class, or a function choosing one).
    * ``entries(value)`` -> the entries of the section as module runs; ``prepare(entries, index)`` -> one entry as its
      module takes it; ``label(entry)`` -> how the report names it; ``objects(entries)`` -> how many objects the
      section holds (the ``requests`` figures).
    * ``single``: the section is one mapping, not a list (``webservices``): its entry is named by the section alone.
    * ``connection_options(connection)`` -> the run's connection as the entry's options, and ``login(params)`` ->
      the connection the entry logs in with (``moodle_user``'s own username and password are the account's: it logs
      in with ``login_username``/``login_password``). Both the options unchanged by default.
    * ``account_options``: options whose values name accounts (looked up in one request before the first entry);
      ``pending_lists``: of those, the lists from which accounts this check-mode run would create are left out.
    * ``creates``: (kind, result key, entry keys naming the object) of what an entry creates that later entries
      may refer to (check mode: they do not exist yet).
    * ``skip(entry, run)`` -> (entry, why it is skipped or None), and ``pending_changes(entry, why)`` -> the change
      lines of a skipped entry that check mode would make: the run options of a section (``tokens_rotate``).
    * ``returns_secret``: the result key of a secret the entry returns (``token``), collected in the run's result.
    """

    def __init__(self, name, order, role, module, options, resource, label, transport=False, single=False,
                 entries=list_entries, prepare=same_entry, connection_options=same_options, login=same_options,
                 objects=one_object_per_entry, account_options=(), pending_lists=(), creates=None, skip=None,
                 pending_changes=None, returns_secret=None):
        self.name = name
        self.order = order
        self.role = role
        self.module = module
        self.options = options
        self.resource = resource
        self.label = label
        self.transport = transport
        self.entries = entries
        self.prepare = prepare
        self.single = single
        self.connection_options = connection_options
        self.login = login
        self.objects = objects
        self.account_options = tuple(account_options)
        self.pending_lists = tuple(pending_lists)
        self.creates = creates
        self.skip = skip
        self.pending_changes = pending_changes
        self.returns_secret = returns_secret

    def __repr__(self):
        return "Section(%r)" % self.name

    def secret_options(self):
        """The options whose values are secrets (no_log in the module's spec): masked from the start of the run."""
        return sorted(name for name, spec in self.options.items() if spec.get("no_log"))

    def where(self, entry, index):
        """How messages name an entry: ``users[2] (jdoe)``; a single-entry section by its name."""
        return self.name if self.single else "%s[%d] (%s)" % (self.name, index, self.label(entry))
