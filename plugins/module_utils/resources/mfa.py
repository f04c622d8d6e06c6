# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_mfa: Moodle's multi-factor authentication (tool_mfa) on or off, its factors (enabled, weight, settings,
order) and its own settings, as a converge resource, and its options.

The guard (lockout_check): a change that leaves MFA on is proved by a fresh login of the automation's own account
(a new client, no session cache). When Moodle intercepts that login (/admin/tool/mfa/auth.php) the change is
reverted through the session the run still holds, and the run fails naming the factor that would let the
automation through. Check mode predicts the same from the factors' weights and what the automation passes by
itself (predict_login)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MfaLockoutError,
    LoginFailedError,
    MoodleError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import did_you_mean
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.mfa import (
    MANAGE_SECTION,
    HttpMfa,
    address_in_ranges,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

FACTOR_KEYS = ("enabled", "weight", "settings")
# textareas read and returned as lists of lines
LIST_SETTINGS = ("safeips", "redir_exclusions")
# factors whose weight the automation gets without entering anything (Moodle's source, admin/tool/mfa/factor/*):
# iprange (its address in safeips), auth (its auth type in goodauth), nosetup (no factor set up by the account).
# admin, role and capability take weight away from site administrators (the automation is one); cohort, grace,
# token and the code factors (email, totp, sms, webauthn) never pass for a script.
SELF_PASSING = ("iprange", "auth", "nosetup")


def factor_name(name):
    """A factor's name without its factor_ prefix."""
    name = ("%s" % name).strip()
    return name[len("factor_"):] if name.startswith("factor_") else name


def lines(value):
    """A textarea's value (or a list) as its non-empty stripped lines."""
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = ("%s" % (value or "")).replace("\r\n", "\n").split("\n")
    return [("%s" % item).strip() for item in items if ("%s" % item).strip()]


class SettingForm:
    """The settings of one admin section (a factor's or managemfa) read from its form: their kinds and values."""

    def __init__(self, form, component):
        self.component = component
        self.prefix = "s_%s_" % component
        self.fields = {}          # setting -> {'kind', 'options'}
        values = form.current_values()
        self.values = {}
        for control in form.controls:
            name = control.name or ""
            if not name.startswith(self.prefix):
                continue
            base, _sep, sub = name[len(self.prefix):].partition("[")
            sub = sub.rstrip("]")
            field = self.fields.setdefault(base, {"kind": None, "options": []})
            if sub in ("v", "u"):
                field["kind"] = "duration"
            elif sub:
                field["kind"] = "multicheckbox"
                if sub != "xxxxx" and sub not in field["options"]:
                    field["options"].append(sub)
            elif control.tag == "input" and control.type == "checkbox":
                field["kind"] = "checkbox"
            elif field["kind"] is None:
                field["kind"] = "textarea" if control.tag == "textarea" else "text"
        for base, field in self.fields.items():
            full = self.prefix + base
            if field["kind"] == "duration":
                try:
                    seconds = int(float(values.get(full + "[v]") or 0) * int(values.get(full + "[u]") or 1))
                except (TypeError, ValueError):
                    seconds = 0
                self.values[base] = "%d" % seconds
            elif field["kind"] == "multicheckbox":
                self.values[base] = ",".join(sorted(key for key in field["options"]
                                                    if values.get("%s[%s]" % (full, key)) == "1"))
            elif field["kind"] == "checkbox":
                self.values[base] = "1" if values.get(full) == "1" else "0"
            elif field["kind"] == "textarea" and base in LIST_SETTINGS:
                self.values[base] = "\n".join(lines(values.get(full)))
            else:
                self.values[base] = values.get(full) or ""

    def kind(self, name):
        return self.fields[name]["kind"]

    def wanted(self, name, value, where):
        """The value as this form stores it, or InvalidInputError naming ``where``."""
        kind = self.kind(name)
        if kind == "checkbox":
            if isinstance(value, bool):
                return "1" if value else "0"
            if ("%s" % value).lower() in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                return "1" if ("%s" % value).lower() in ("1", "true", "yes", "on") else "0"
            raise InvalidInputError("%s is a checkbox: give true or false, not %r." % (where, value))
        if kind == "duration":
            try:
                return "%d" % int(value)
            except (TypeError, ValueError):
                raise InvalidInputError("%s is a duration in seconds: give a number, not %r." % (where, value))
        if kind == "multicheckbox":
            names = value if isinstance(value, (list, tuple)) else ("%s" % value).split(",")
            names = sorted(set(("%s" % v).strip() for v in names if ("%s" % v).strip()))
            unknown = [v for v in names if v not in self.fields[name]["options"]]
            if unknown:
                raise InvalidInputError("%s: %s not offered by the site; it offers %s." % (
                    where, ", ".join(unknown), ", ".join(self.fields[name]["options"]) or "none"),
                    hint="factor auth lists the enabled authentication plugins (and manual, nologin).")
            return ",".join(names)
        if kind == "textarea":
            if name in LIST_SETTINGS:
                return "\n".join(lines(value))
            return "\n".join("%s" % item for item in value) if isinstance(value, (list, tuple)) else "%s" % value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (list, dict)):
            raise InvalidInputError("%s takes one value, not %r." % (where, value))
        return "" if value is None else "%s" % value

    def shown(self, name, value):
        """A stored value as the module returns it (lists for list settings, booleans, seconds)."""
        kind = self.kind(name)
        if kind == "checkbox":
            return value == "1"
        if kind == "duration":
            return int(value or 0)
        if kind == "multicheckbox":
            return [v for v in (value or "").split(",") if v]
        if kind == "textarea" and name in LIST_SETTINGS:
            return lines(value)
        return value

    def post_fields(self, name, value):
        """{key for HttpSettings.write: value} to store ``value``."""
        key = "%s/%s" % (self.component, name)
        kind = self.kind(name)
        if kind == "duration":
            return {key + "[v]": value, key + "[u]": "1"}
        if kind == "multicheckbox":
            fields = {key + "[xxxxx]": "1"}
            for option in [v for v in value.split(",") if v]:
                fields["%s[%s]" % (key, option)] = "1"
            return fields
        return {key: value}


class MfaResource(Resource):
    """tool_mfa: states are {"enabled": bool, "settings": {name: stored}, "factors": {name: {"enabled", "weight",
    "settings"}}, "order": [enabled factors in order]}."""

    name = "mfa"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.wanted_factors = dict((factor_name(name), spec) for name, spec in (self.params.get("factors") or {}).items())
        self.order = [factor_name(name) for name in (self.params.get("factor_order") or [])]
        self.forms = {}               # section -> SettingForm
        self.login_check = {"checked": False}
        self._mfa = None
        self._ip = False

    @property
    def mfa(self):
        if self._mfa is None:
            self._mfa = HttpMfa(self.moodle.client, self.moodle.settings)
        return self._mfa

    def lock_name(self):
        return "mfa", "site"

    # -- options alone ------------------------------------------------------------------------------------------
    def check_options(self):
        problems = []
        for name, spec in sorted(self.wanted_factors.items()):
            if not isinstance(spec, dict):
                problems.append("factors.%s must be a dict (enabled, weight, settings), not %r" % (name, spec))
                continue
            unknown = sorted(set(spec) - set(FACTOR_KEYS))
            if unknown:
                problems.append("factors.%s: unknown key%s %s (valid: %s)" % (
                    name, "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(FACTOR_KEYS)))
            if spec.get("enabled") is not None and not isinstance(spec.get("enabled"), bool):
                problems.append("factors.%s.enabled must be true or false" % name)
            weight = spec.get("weight")
            if weight is not None and (isinstance(weight, bool) or not ("%s" % weight).lstrip("-").isdigit()):
                problems.append("factors.%s.weight must be a whole number" % name)
            elif weight is not None and not 0 <= int(weight) <= 1000:
                problems.append("factors.%s.weight must be between 0 and 1000" % name)
            if spec.get("settings") is not None and not isinstance(spec.get("settings"), dict):
                problems.append("factors.%s.settings must be a dict" % name)
            elif "enabled" in (spec.get("settings") or {}) or "weight" in (spec.get("settings") or {}):
                problems.append("factors.%s.settings: give enabled and weight beside settings, not in it" % name)
        if len(set(self.order)) != len(self.order):
            problems.append("factor_order names a factor twice")
        for name in self.order:
            if (self.wanted_factors.get(name) or {}).get("enabled") is False:
                problems.append("factor_order names %s, which factors.%s.enabled turns off" % (name, name))
        if "enabled" in (self.params.get("settings") or {}):
            problems.append("settings.enabled: use the option enabled")
        if problems:
            raise InvalidInputError("Invalid MFA options: %s." % "; ".join(problems), hint="Nothing was written.")

    # -- reading ---------------------------------------------------------------------------------------------
    def form(self, section, component):
        if section not in self.forms:
            self.forms[section] = SettingForm(self.moodle.settings.section_form(section), component)
        return self.forms[section]

    def read(self):
        rows = self.mfa.factors()
        offered = [row["name"] for row in rows]
        unknown = sorted(set(self.wanted_factors) - set(offered)) + sorted(
            name for name in set(self.order) - set(offered) if name not in self.wanted_factors)
        if unknown:
            raise InvalidInputError("Unknown MFA factors: %s." % ", ".join(
                name + did_you_mean(name, offered) for name in unknown),
                hint="The site offers: %s. Nothing was written." % ", ".join(sorted(offered)))
        manage = self.form(MANAGE_SECTION, "tool_mfa")
        valid = [name for name in manage.fields if name != "enabled" and name != "guidancefiles"]
        unknown = sorted(set(self.params.get("settings") or {}) - set(valid))
        if unknown:
            raise InvalidInputError("Unknown tool_mfa settings: %s." % ", ".join(
                "settings." + name + did_you_mean(name, valid) for name in unknown),
                hint="Manage multi-factor authentication offers: %s. Nothing was written." % ", ".join(sorted(valid)))
        factors = dict((row["name"], {"enabled": bool(row["enabled"]), "weight": row["weight"], "settings": {}})
                       for row in rows)
        for name, spec in sorted(self.wanted_factors.items()):
            asked = spec.get("settings") or {}
            if not asked:
                continue
            form = self.factor_form(name)
            valid = sorted(key for key in form.fields if key not in ("enabled", "weight"))
            unknown = sorted(set(asked) - set(valid))
            if unknown:
                raise InvalidInputError("Unknown settings of factor %s: %s." % (name, ", ".join(
                    "factors.%s.settings.%s%s" % (name, key, did_you_mean(key, valid)) for key in unknown)),
                    hint="factor_%s offers: %s. Nothing was written." % (name, ", ".join(valid) or "none"))
            factors[name]["settings"] = dict((key, form.values.get(key)) for key in asked)
        return {"enabled": manage.values.get("enabled") == "1",
                "settings": dict((key, manage.values.get(key)) for key in (self.params.get("settings") or {})),
                "factors": factors,
                "order": [row["name"] for row in rows if row["enabled"]]}

    def factor_form(self, name):
        return self.form("factor_%s" % name, "factor_%s" % name)

    # -- desired ---------------------------------------------------------------------------------------------
    def desired(self, before):
        manage = self.form(MANAGE_SECTION, "tool_mfa")
        enabled = before["enabled"] if self.params.get("enabled") is None else bool(self.params["enabled"])
        settings = dict((key, manage.wanted(key, value, "settings.%s" % key))
                        for key, value in (self.params.get("settings") or {}).items())
        factors = {}
        for name, current in before["factors"].items():
            spec = self.wanted_factors.get(name) or {}
            factor = dict(current, settings=dict(current["settings"]))
            if spec.get("enabled") is not None:
                factor["enabled"] = spec["enabled"]
            if spec.get("weight") is not None:
                factor["weight"] = int(spec["weight"])
            if self.order and name in self.order and spec.get("enabled") is None:
                factor["enabled"] = True          # factor_order lists enabled factors
            for key, value in (spec.get("settings") or {}).items():
                factor["settings"][key] = self.factor_form(name).wanted(key, value, "factors.%s.settings.%s" % (name, key))
            factors[name] = factor
        on = [name for name in before["order"] if factors[name]["enabled"]]
        on += sorted(name for name, factor in factors.items() if factor["enabled"] and name not in on)
        if self.order:
            order = list(self.order) + [name for name in on if name not in self.order]
        else:
            order = on                            # Moodle appends a newly enabled factor (do_factor_action)
        return {"enabled": enabled, "settings": settings, "factors": factors, "order": order}

    def check(self, before, after):
        if not after["enabled"] or not self.params.get("lockout_check", True):
            return
        prediction = self.predict_login(after)
        self.login_check = prediction
        if self.moodle.check_mode and not prediction["passes"] and self.describe(before, after):
            raise MfaLockoutError(self.lockout_message(prediction, "would intercept"),
                                  hint=self.lockout_fix(prediction) + " Nothing was written (check mode).")

    # -- the prediction ------------------------------------------------------------------------------------------
    def my_ip(self):
        if self._ip is False:
            try:
                self._ip = self.mfa.my_ip()
            except MoodleError:
                self._ip = None
        return self._ip

    def account_auth(self):
        """The automation account's auth type as the prediction assumes it: cas for auth_method cas, else manual."""
        return "cas" if (self.moodle.connection.get("auth_method") or "") == "cas" else "manual"

    def predict_login(self, state):
        """What tool_mfa would do with the automation's next login in ``state``: {'passes', 'passing',
        'weight', 'address', ...}. Counted: iprange (the address Moodle sees for the controller, read from
        factor_iprange's page, in safeips), auth (the account's auth type in goodauth; manual is assumed for
        password logins, cas for CAS), nosetup (assumed: the account has set up no factor). Everything else gives
        the automation nothing (admin, role, capability take weight away from administrators)."""
        passing = []
        address = None
        enabled = [name for name in state["order"] if state["factors"][name]["enabled"]]
        for name in enabled:
            factor = state["factors"][name]
            if name == "iprange":
                address = self.my_ip()
                safeips = factor["settings"].get("safeips")
                if safeips is None:
                    safeips = self.factor_form("iprange").values.get("safeips")
                if address_in_ranges(address, lines(safeips)):
                    passing.append(name)
            elif name == "auth":
                goodauth = factor["settings"].get("goodauth")
                if goodauth is None:
                    goodauth = self.factor_form("auth").values.get("goodauth")
                if self.account_auth() in (goodauth or "").split(","):
                    passing.append(name)
            elif name == "nosetup":
                passing.append(name)
        weight = sum(state["factors"][name]["weight"] or 0 for name in passing)
        if "iprange" not in enabled or address is None:
            address = address or self.my_ip()
        return {"checked": True, "method": "prediction", "passes": weight >= 100, "passing_factors": passing,
                "weight": weight, "enabled_factors": enabled, "address": address,
                "account_auth_assumed": self.account_auth()}

    def lockout_message(self, check, verb):
        return ("MFA on with the factors %s: Moodle %s the automation's own login (user '%s'): the factors it passes "
                "without a code (%s) reach weight %d of the 100 needed." % (
                    ", ".join(check.get("enabled_factors") or []) or "none", verb, self.moodle.connection.get("username"),
                    ", ".join(check.get("passing_factors") or []) or "none", check.get("weight") or 0))

    def lockout_fix(self, check):
        address = check.get("address")
        iprange = ("factors: {iprange: {enabled: true, weight: 100, settings: {safeips: ['%s/32']}}} (the address "
                   "Moodle sees for this controller)" % address) if address else \
            "factors: {iprange: {enabled: true, weight: 100, settings: {safeips: [<the controller's address>]}}}"
        return ("Add a factor the automation passes by itself, e.g. %s, or factor auth with goodauth: [%s]." % (
            iprange, check.get("account_auth_assumed") or self.account_auth()))

    # -- reporting of changes ------------------------------------------------------------------------------------
    def describe(self, before, after):
        changes = []
        for name in sorted(after["factors"]):
            old, new = before["factors"][name], after["factors"][name]
            if old["enabled"] != new["enabled"]:
                changes.append("factor %s: %s" % (name, "enabled" if new["enabled"] else "disabled"))
            if old["weight"] != new["weight"]:
                changes.append("factor %s weight: %s -> %s" % (name, old["weight"], new["weight"]))
            for key in sorted(new["settings"]):
                if old["settings"].get(key) != new["settings"][key]:
                    changes.append("factor_%s/%s: %s -> %s" % (name, key, self.show_value(old["settings"].get(key)),
                                                               self.show_value(new["settings"][key])))
        if before["order"] != after["order"] and self.order:
            changes.append("factor order: %s -> %s" % (",".join(before["order"]), ",".join(after["order"])))
        for key in sorted(after["settings"]):
            if before["settings"].get(key) != after["settings"][key]:
                changes.append("tool_mfa/%s: %s -> %s" % (key, self.show_value(before["settings"].get(key)),
                                                          self.show_value(after["settings"][key])))
        if before["enabled"] != after["enabled"]:
            changes.append("MFA: %s" % ("enabled" if after["enabled"] else "disabled"))
        return changes

    @staticmethod
    def show_value(value):
        return ("%s" % value).replace("\n", ",") if value is not None else None

    # -- writing -------------------------------------------------------------------------------------------------
    def apply(self, plan):
        self.write(plan.before, plan.after, bool(self.order))
        if plan.after["enabled"] and self.params.get("lockout_check", True):
            self.prove(plan)

    def write(self, current, target, order=True):
        """Write what differs from ``current`` to ``target``: MFA off first, the factors, the order (``order``:
        target's order is enforced), the tool_mfa settings, MFA on last."""
        settings = self.moodle.settings
        if current["enabled"] and not target["enabled"]:
            settings.write(MANAGE_SECTION, {"tool_mfa/enabled": "0"})
        for name in sorted(target["factors"]):
            old, new = current["factors"][name], target["factors"][name]
            changes = {}
            if old["enabled"] != new["enabled"]:
                changes["factor_%s/enabled" % name] = "1" if new["enabled"] else "0"
            if old["weight"] != new["weight"]:
                changes["factor_%s/weight" % name] = "%s" % new["weight"]
            for key, value in new["settings"].items():
                if old["settings"].get(key) != value:
                    changes.update(self.factor_form(name).post_fields(key, value))
            if changes:
                settings.write("factor_%s" % name, changes)
        if order:
            self.moodle.client.forget_pages()
            found = [row["name"] for row in self.mfa.factors() if row["enabled"]]
            if found != target["order"] and set(found) == set(target["order"]):
                self.mfa.set_order(target["order"])
        manage = self.form(MANAGE_SECTION, "tool_mfa")
        changes = {}
        for key, value in target["settings"].items():
            if current["settings"].get(key) != value:
                changes.update(manage.post_fields(key, value))
        if target["enabled"] and not current["enabled"]:
            changes["tool_mfa/enabled"] = "1"
        if changes:
            settings.write(MANAGE_SECTION, changes)
        settings.forget()
        self.forms = {}

    def prove(self, plan):
        """Log the automation's account in anew (a new client, no session cache); on an interception revert to
        plan.before through the run's own session and fail."""
        from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
        options = dict(self.moodle.connection, session_cache=False)
        fresh = MoodleClient(options, self.moodle.redact, state=None)
        intercepted = None
        try:
            fresh.session()
        except LoginFailedError as error:       # MfaRequiredError, or any login the change broke
            intercepted = error
        finally:
            fresh.close()
        prediction = self.login_check if self.login_check.get("checked") else self.predict_login(plan.after)
        self.login_check = dict(prediction, method="login", proved=intercepted is None, passes=intercepted is None)
        if intercepted is None:
            return
        now = self.read()
        try:
            self.write(now, plan.before, True)
            back = self.read()
        except MoodleError as error:
            raise MfaLockoutError(self.lockout_message(prediction, "intercepted") + " Reverting failed: %s" % error,
                                  hint="Switch MFA off on the Moodle host: php admin/cli/cfg.php --component=tool_mfa "
                                       "--name=enabled --set=0, then fix the description.")
        state = "the site is as it was" if self.same(back, plan.before) else \
            "reading back after the revert shows %s" % self.summary(back)
        raise MfaLockoutError(self.lockout_message(prediction, "intercepted") + " The change was reverted: %s." % state,
                              hint=self.lockout_fix(prediction))

    @staticmethod
    def same(found, wanted):
        if found["enabled"] != wanted["enabled"] or found["settings"] != wanted["settings"]:
            return False
        for name, factor in wanted["factors"].items():
            other = found["factors"].get(name) or {}
            if (other.get("enabled"), other.get("weight")) != (factor["enabled"], factor["weight"]):
                return False
            if any(other.get("settings", {}).get(key) != value for key, value in factor["settings"].items()):
                return False
        return list(found["order"]) == list(wanted["order"])

    @staticmethod
    def summary(state):
        return "MFA %s, factors %s" % ("on" if state["enabled"] else "off", ", ".join(
            "%s(%s)" % (name, state["factors"][name]["weight"]) for name in state["order"]) or "none")

    def verify(self, plan):
        self.moodle.settings.forget()
        self.forms = {}
        found = self.read()
        wrong = []
        if found["enabled"] != plan.after["enabled"]:
            wrong.append("MFA %s" % ("on" if found["enabled"] else "off"))
        for name, factor in plan.after["factors"].items():
            got = found["factors"][name]
            for key in ("enabled", "weight"):
                if got[key] != factor[key]:
                    wrong.append("factor %s %s %s" % (name, key, got[key]))
            for key, value in factor["settings"].items():
                if got["settings"].get(key) != value:
                    wrong.append("factor_%s/%s not saved" % (name, key))
        for key, value in plan.after["settings"].items():
            if found["settings"].get(key) != value:
                wrong.append("tool_mfa/%s not saved" % key)
        if self.order and found["order"] != plan.after["order"]:
            wrong.append("factor order %s" % ",".join(found["order"]))
        if wrong:
            raise WriteNotAppliedError("Moodle answered normally but reading back shows %s." % "; ".join(wrong),
                                       hint="A setting may be forced in config.php (forced_plugin_settings).")
        return found

    # -- results -------------------------------------------------------------------------------------------------
    def state_of(self, state):
        factors = {}
        for name, factor in sorted(state["factors"].items()):
            form = self.forms.get("factor_%s" % name)
            settings = dict((key, form.shown(key, value) if form is not None and key in form.fields else value)
                            for key, value in factor["settings"].items())
            factors[name] = {"enabled": factor["enabled"], "weight": factor["weight"],
                             "order": state["order"].index(name) + 1 if name in state["order"] else None,
                             "settings": settings}
        manage = self.forms.get(MANAGE_SECTION)
        settings = dict((key, manage.shown(key, value) if manage is not None and key in manage.fields else value)
                        for key, value in state["settings"].items())
        return {"enabled": state["enabled"], "factors": factors, "factor_order": list(state["order"]),
                "settings": settings}

    def result(self, plan):
        return {"mfa": self.state_of(plan.after), "login_check": self.login_check}

    def diff(self, plan):
        return self.state_of(plan.before), self.state_of(plan.after)


MFA_OPTIONS = dict(
    enabled=dict(type="bool"),
    factors=dict(type="dict", default={}),
    factor_order=dict(type="list", elements="str"),
    settings=dict(type="dict", default={}, no_log=False),
    lockout_check=dict(type="bool", default=True),
)


def mfa_entries(value):
    """The mfa mapping as one moodle_mfa run (none when the section is missing or empty)."""
    return [dict(value)] if value else []


SECTION = Section("mfa", order=90, role="sso", module="moodle_mfa", options=MFA_OPTIONS, resource=MfaResource,
                  label=lambda entry: "mfa", single=True, entries=mfa_entries)
