"""/user/editadvanced.php: the admin's new-user (?id=-1) and edit-user (?id=N&course=1) form (flow f23).

The form (user_editadvanced_form) carries exactly the recorded controls, in the recorded order: the action URL's
parameters as hidden inputs first (so ``id`` is sent twice), then the form's own hidden fields, username, auth
(optgroups Enabled/Disabled), suspended, [createpassword], newpassword, preference_auth_forcepasswordchange,
names, email, ..., submitbutton "Create user" / "Update profile". Validation errors re-render the form (200) with
``is-invalid`` + ``div.invalid-feedback#id_error_<field>``, the submitted values kept (newpassword too)."""
import random
import re
import time

from ..html import error_page, esc, fullname, page
from ..response import redirect
from ..state import AUTH_PLUGINS
from ..userdata import COUNTRIES, TIMEZONES
from ..util import random_string
from .common import require_login
from .users_list import kill_user_sessions

PATH = "/user/editadvanced.php"
LIST_PATH = "/admin/user.php"
# auth plugins whose is_internal() is false: no password asked/stored (the form's disabledIf list)
NOT_INTERNAL = ("cas", "db", "ldap", "mnet", "oauth2", "shibboleth", "userkey", "webservice")
# and on the edit form also those that cannot change the password (can_change_password() false)
NO_PASSWORD_CHANGE = NOT_INTERNAL + ("lti", "nologin")
AUTH_LABELS = {"apilogin": "API Login", "mnet": "MNet authentication"}
ALWAYS_ENABLED = ("manual", "nologin")
TEXT_FIELDS = ("moodlenetprofile", "city", "imagealt", "firstnamephonetic", "lastnamephonetic", "middlename",
               "alternatename", "idnumber", "institution", "department", "phone1", "phone2", "address")
MAILDISPLAY = [("0", "Hidden"), ("1", "Visible to everyone"), ("2", "Visible to course participants")]
EMAIL_RE = re.compile(r"^[-!#$%&'*+\\/0-9=?A-Z^_`a-z{|}~]+(\.[-!#$%&'*+\\/0-9=?A-Z^_`a-z{|}~]+)*@"
                      r"[-!#$%&'*+\\/0-9=?A-Z^_`a-z{|}~]+\.[-!#$%&'*+\\./0-9=?A-Z^_`a-z{|}~]+$")
USERNAME_RE = re.compile(r"^[a-z0-9_.@-]+$")


def auth_choices(state):
    """Installed auth plugins, alphabetical (5.1: no cas, no mnet; both left core)."""
    names = sorted(AUTH_PLUGINS)
    if state.moodle.is51:
        names = [n for n in names if n not in ("cas", "mnet")]
    return [(n, AUTH_LABELS.get(n, AUTH_PLUGINS[n][0])) for n in names]


def is_enabled_auth(state, name):
    return name in ALWAYS_ENABLED or name in state.enabled_auths


def password_policy_errors(state, password):
    """check_password_policy(): every failing rule, in Moodle's order."""
    if (state.get_config("passwordpolicy") or "0") in ("0", ""):
        return []

    def num(name, default):
        try:
            return int(state.get_config(name) or default)
        except ValueError:
            return int(default)
    errors = []
    if len(password) < num("minpasswordlength", 8):
        errors.append("Passwords must be at least %d characters long." % num("minpasswordlength", 8))
    if sum(1 for c in password if c.isdigit()) < num("minpassworddigits", 1):
        errors.append("Passwords must have at least %d digit(s)." % num("minpassworddigits", 1))
    if sum(1 for c in password if c.islower()) < num("minpasswordlower", 1):
        errors.append("Passwords must have at least %d lower case letter(s)." % num("minpasswordlower", 1))
    if sum(1 for c in password if c.isupper()) < num("minpasswordupper", 1):
        errors.append("Passwords must have at least %d upper case letter(s)." % num("minpasswordupper", 1))
    if sum(1 for c in password if not c.isalnum()) < num("minpasswordnonalphanum", 1):
        errors.append("The password must have at least %d special character(s) such as *, -, or #."
                      % num("minpasswordnonalphanum", 1))
    maxident = num("maxconsecutiveidentchars", 0)
    if maxident > 0 and re.search(r"(.)\1{%d,}" % maxident, password):
        errors.append("Passwords must have at most %d consecutive identical characters." % maxident)
    return errors


# ---------------------------------------------------------------- rendering
class _Form(object):
    def __init__(self, ctx, values, errors):
        self.ctx = ctx
        self.values = values
        self.errors = errors
        self.focus_done = False
        self.selectclass = "form-select" if ctx.state.moodle.is51 else "custom-select"

    def _err(self, name):
        msg = self.errors.get(name)
        if msg is None:
            return '<div class="form-control-feedback invalid-feedback" id="id_error_%s"></div>' % esc(name), ""
        attrs = ' aria-describedby="id_error_%s"' % esc(name)
        if not self.focus_done:
            attrs += " autofocus"
            self.focus_done = True
        return ('<div class="form-control-feedback invalid-feedback" id="id_error_%s" style="display: block;">%s'
                '</div>' % (esc(name), msg), attrs)

    def _item(self, name, label, control, fieldtype):
        return ('<div id="fitem_id_%s" class="mb-3 row fitem"><div class="col-md-3 col-form-label d-flex pb-0 pe-md-0">'
                '<label id="id_%s_label" class="d-inline word-break" for="id_%s">%s</label></div>'
                '<div class="col-md-9 d-flex flex-wrap align-items-start felement" data-fieldtype="%s">%s</div></div>'
                % (esc(name), esc(name), esc(name), esc(label), fieldtype, control))

    def text(self, name, label, size=30):
        feedback, attrs = self._err(name)
        invalid = " is-invalid" if name in self.errors else ""
        control = ('<input type="text" class="form-control%s" name="%s" id="id_%s" value="%s" size="%d"%s>%s'
                   % (invalid, esc(name), esc(name), esc(self.values.get(name, "")), size, attrs, feedback))
        return self._item(name, label, control, "text")

    def password(self, name, label):
        feedback, attrs = self._err(name)
        invalid = " is-invalid" if name in self.errors else ""
        value = self.values.get(name, "")
        display = "&bull;" * len(value) if value else "<em>Click to enter text</em>"
        control = ('<div data-passwordunmask="wrapper" data-passwordunmaskid="id_%(n)s"><div class="d-flex '
                   'align-items-center"><span data-passwordunmask="editor"><input type="password" name="%(n)s" '
                   'id="id_%(n)s" value="%(v)s" class="form-control d-none%(i)s" data-size="20"%(a)s maxlength="128" '
                   'autocomplete="new-password"></span><a href="#" class="form-control" data-passwordunmask="edit">'
                   '<span data-passwordunmask="displayvalue">%(d)s</span></a><a href="#" class="btn btn-link '
                   'icon-no-margin p-1 ms-1" data-passwordunmask="unmask" title="Reveal"></a></div></div>%(f)s'
                   % dict(n=esc(name), v=esc(value), i=invalid, a=attrs, d=display, f=feedback))
        return self._item(name, label, control, "passwordunmask")

    def select(self, name, label, options, selected, groups=None, mark_selected=True):
        feedback, attrs = self._err(name)

        def opts(items):
            return "".join('<option value="%s"%s>%s</option>' % (
                esc(v), " selected" if mark_selected and str(v) == str(selected) else "", esc(text))
                for v, text in items)
        if groups:
            inner = "".join('<optgroup label="%s">%s</optgroup>' % (esc(g), opts(items)) for g, items in groups
                            if items)
            kind = "selectgroups"
        else:
            inner = opts(options)
            kind = "select"
        control = ('<select class="form-control %s%s" name="%s" id="id_%s"%s>%s</select>%s'
                   % (self.selectclass, " is-invalid" if name in self.errors else "", esc(name), esc(name), attrs,
                      inner, feedback))
        return self._item(name, label, control, kind)

    def advcheckbox(self, name, label):
        checked = " checked" if str(self.values.get(name, "0")) == "1" else ""
        return ('<div class="mb-3 row fitem"><div class="col-md-9 checkbox"><div class="form-check d-flex">'
                '<input type="hidden" name="%(n)s" value="0"><input type="checkbox" name="%(n)s" class="form-check-input" '
                'value="1" id="id_%(n)s"%(c)s><label for="id_%(n)s">%(l)s</label></div>'
                '<div class="form-control-feedback invalid-feedback" id="id_error_%(n)s"></div></div></div>'
                % dict(n=esc(name), c=checked, l=esc(label)))

    def checkbox(self, name, label):
        checked = " checked" if str(self.values.get(name, "")) == "1" else ""
        return ('<div class="mb-3 row fitem"><div class="col-md-9 checkbox"><div class="form-check d-flex">'
                '<input type="checkbox" name="%(n)s" class="form-check-input" value="1" id="id_%(n)s"%(c)s>'
                '<label for="id_%(n)s">%(l)s</label></div><div class="form-control-feedback invalid-feedback" '
                'id="id_error_%(n)s"></div></div></div>' % dict(n=esc(name), c=checked, l=esc(label)))


def _hidden(name, value):
    return '<input name="%s" type="hidden" value="%s">' % (esc(name), esc(value))


def _draft_itemid():
    return str(random.randint(100000000, 999999999))


def form_html(ctx, user, values, errors):
    """user None = the new-user form. values: what the controls show (submitted values on a re-render)."""
    state = ctx.state
    new = user is None
    uid = -1 if new else user["id"]
    f = _Form(ctx, values, errors)
    if new:
        prefix = [("id", uid), ("returnto", "")]
    else:
        prefix = [("course", values.get("course", "1") or "1"), ("id", uid), ("returnto", "")]
    hidden = "".join(_hidden(k, v) for k, v in prefix)
    hidden += "".join(_hidden(k, v) for k, v in [
        ("id", uid), ("course", values.get("course", "1") or "1"), ("mform_isexpanded_id_moodle_picture", "1"),
        ("sesskey", ctx.session.sesskey), ("_qf__user_editadvanced_form", "1"), ("mform_isexpanded_id_moodle", "1"),
        ("mform_isexpanded_id_moodle_additional_names", "0"), ("mform_isexpanded_id_moodle_interests", "0"),
        ("mform_isexpanded_id_moodle_optional", "0")])
    enabled = [(n, label) for n, label in auth_choices(state) if is_enabled_auth(state, n)]
    disabled = [(n, label) for n, label in auth_choices(state) if not is_enabled_auth(state, n)]
    parts = ['<fieldset class="clearfix collapsible" id="id_moodle"><legend>General</legend>',
             f.text("username", "Username", 20),
             f.select("auth", "Choose an authentication method", None, values.get("auth", "manual"),
                      groups=[("Enabled", enabled), ("Disabled", disabled)]),
             f.advcheckbox("suspended", "Suspended account")]
    if new:
        parts.append(f.checkbox("createpassword", "Generate password and notify user"))
    parts += [f.password("newpassword", "New password"),
              f.advcheckbox("preference_auth_forcepasswordchange", "Force password change"),
              f.text("firstname", "First name"), f.text("lastname", "Last name"), f.text("email", "Email address"),
              f.select("maildisplay", "Email visibility", MAILDISPLAY, values.get("maildisplay", "2")),
              f.text("moodlenetprofile", "MoodleNet profile"), f.text("city", "City/town", 21),
              f.select("country", "Select a country", [("", "Select a country...")] + COUNTRIES,
                       values.get("country", ""), mark_selected=not new or bool(values.get("country"))),
              f.select("timezone", "Timezone", [(z, z) for z in TIMEZONES] + [("99", "Server timezone "
                                                                              "(Europe/London)")],
                       values.get("timezone", "99"))]
    if new:
        parts.append(f.select("lang", "Preferred language", [("en", "English \u200e(en)\u200e")],
                              values.get("lang", "en")))
    fmt = values.get("description_format", "1")
    editor = ('<div><textarea id="id_description_editor" name="description_editor[text]" class="form-control" '
              'rows="10" cols="80" spellcheck="true">%s</textarea></div><div><input name="description_editor[format]" '
              'id="menudescription_editorformat" type="hidden" value="%s"></div>'
              % (esc(values.get("description", "")), esc(fmt)))
    if not new:
        editor += _hidden("description_editor[itemid]", values.get("description_itemid") or _draft_itemid())
    parts.append(f._item("description_editor", "Description", editor, "editor"))
    parts.append('</fieldset><fieldset class="clearfix collapsible" id="id_moodle_picture"><legend>User picture'
                 '</legend>')
    if new:
        parts.append(f.checkbox("deletepicture", "Delete picture"))
    parts += [_hidden("imagefile", _draft_itemid()), f.text("imagealt", "Picture description"),
              '</fieldset><fieldset class="clearfix collapsible collapsed" id="id_moodle_additional_names">'
              '<legend>Additional names</legend>',
              f.text("firstnamephonetic", "First name - phonetic"), f.text("lastnamephonetic", "Last name - phonetic"),
              f.text("middlename", "Middle name"), f.text("alternatename", "Alternate name"),
              '</fieldset><fieldset class="clearfix collapsible collapsed" id="id_moodle_interests"><legend>Interests'
              '</legend>', _hidden("interests", "_qf__force_multiselect_submission"),
              f._item("interests", "List of interests", '<select class="form-control %s" name="interests[]" '
                      'id="id_interests" multiple="multiple" data-tags="1"></select>' % f.selectclass, "autocomplete"),
              '</fieldset><fieldset class="clearfix collapsible collapsed" id="id_moodle_optional"><legend>Optional'
              '</legend>',
              f.text("idnumber", "ID number"), f.text("institution", "Institution"),
              f.text("department", "Department"), f.text("phone1", "Phone"), f.text("phone2", "Mobile phone"),
              f.text("address", "Address"), '</fieldset>',
              '<div id="fgroup_id_buttonar" class="mb-3 row fitem femptylabel"><div class="col-md-9 felement" '
              'data-fieldtype="group"><input type="submit" class="btn btn-primary" name="submitbutton" '
              'id="id_submitbutton" value="%s"><input type="submit" class="btn btn-secondary" name="cancel" '
              'id="id_cancel" value="Cancel" data-skip-validation="1" data-cancel="1" onclick="skipClientValidation '
              '= true; return true;"></div></div>' % ("Create user" if new else "Update profile")]
    return ('<form autocomplete="off" action="%s%s" method="post" accept-charset="utf-8" id="mform1_%s" '
            'class="mform" data-boost-form-errors-enhanced="1"><div style="display: none;">%s</div>%s</form>'
            % (state.wwwroot, PATH, random_string(15), hidden, "".join(parts)))


def _values_from_user(state, user):
    v = dict((k, user.get(k, "") or "") for k in TEXT_FIELDS)
    v.update(username=user["username"], auth=user["auth"], suspended=str(user.get("suspended", 0)),
             firstname=user["firstname"], lastname=user["lastname"], email=user["email"],
             maildisplay=str(user.get("maildisplay", 2)), country=user.get("country", "") or "",
             timezone=user.get("timezone", "99") or "99", lang=user.get("lang", "en"),
             description=user.get("description") or "", description_format=str(user.get("descriptionformat", 1)),
             newpassword="", course="1")
    prefs = state.user_prefs.get(user["id"], {})
    v["preference_auth_forcepasswordchange"] = str(prefs.get("auth_forcepasswordchange", "0"))
    return v


def _values_from_post(ctx):
    post = ctx.post
    v = {}
    for k in TEXT_FIELDS + ("username", "auth", "suspended", "firstname", "lastname", "email", "maildisplay",
                            "country", "timezone", "lang", "newpassword", "createpassword",
                            "preference_auth_forcepasswordchange", "course"):
        value = post.get(k)
        if isinstance(value, str):
            v[k] = value
    editor = post.get("description_editor")
    if isinstance(editor, dict):
        v["description"] = editor.get("text", "") if isinstance(editor.get("text"), str) else ""
        v["description_format"] = editor.get("format", "1")
        v["description_itemid"] = editor.get("itemid")
    return v


def _page(ctx, user, values, errors):
    title = ("Add a new user" if user is None else "%s: Edit profile" % fullname(user)) + \
        " | Accounts | Users | Administration | lab" + ("51" if ctx.state.moodle.is51 else "45")
    heading = "Add a new user" if user is None else fullname(user)
    return page(ctx, title, form_html(ctx, user, values, errors), bodyid="page-user-editadvanced",
                heading=heading, adminlayout=user is None)


# ---------------------------------------------------------------- validation and saving
def validate(state, user, v):
    """user_editadvanced_form::validation() + the required rules: {field: HTML message}."""
    errors = {}
    username = v.get("username", "")
    if not username.strip():
        errors["username"] = "Required"
    elif user is None or username != user["username"]:
        if any(u["username"] == username for u in state.users.values()):
            errors["username"] = "This username already exists, choose another"
        if username != username.lower():
            errors["username"] = "Only lowercase letters allowed"
        elif not USERNAME_RE.match(username):
            errors["username"] = ("The username can only contain alphanumeric lowercase characters (letters and "
                                  "numbers), underscore (_), hyphen (-), period (.) or at symbol (@).")
    for name, msg in (("firstname", "Missing given name"), ("lastname", "Missing last name")):
        if not v.get(name, "").strip():
            errors[name] = msg
    email = v.get("email", "")
    if not email.strip():
        errors["email"] = "Required"
    elif user is None or email != user["email"]:
        if not EMAIL_RE.match(email):
            errors["email"] = "Invalid email address"
        elif state.get_config("allowaccountssameemail") in (None, "", "0"):
            if any(u["email"].lower() == email.lower() and (user is None or u["id"] != user["id"])
                   for u in state.users.values()):
                errors["email"] = "This email address is already registered."
    password = v.get("newpassword", "")
    if password:
        failed = password_policy_errors(state, password)
        if failed:
            errors["newpassword"] = "".join("<div>%s</div>" % esc(m) for m in failed)
    elif user is None and v.get("auth", "manual") not in NOT_INTERNAL and v.get("createpassword") != "1":
        errors["newpassword"] = "Required"
    return errors


def _apply(state, user, v):
    for k in TEXT_FIELDS:
        if k in v:
            user[k] = v[k]
    for k in ("firstname", "lastname", "email", "country", "timezone"):
        if k in v:
            user[k] = v[k]
    if v.get("maildisplay") in ("0", "1", "2"):
        user["maildisplay"] = int(v["maildisplay"])
    if "description" in v:
        user["description"] = v["description"]
        user["descriptionformat"] = int(v.get("description_format") or 1) if str(
            v.get("description_format") or "1").isdigit() else 1
    user["timemodified"] = int(time.time())


def create_user(ctx, v):
    state = ctx.state
    auth = v.get("auth") if v.get("auth") in dict(auth_choices(state)) else "manual"
    prefs = {}
    if auth in NOT_INTERNAL:
        password = "not cached"
    elif v.get("createpassword") == "1":
        password = random_string(12) + "#1aA"
        prefs["create_password"] = "1"
    else:
        password = v.get("newpassword", "")
    user = state.add_user(v["username"], password, auth=auth, firstaccess=0, lastaccess=0, mnethostid=1,
                          suspended=1 if v.get("suspended") == "1" else 0, lang=v.get("lang", "en") or "en")
    _apply(state, user, v)
    prefs.update({"auth_forcepasswordchange": v.get("preference_auth_forcepasswordchange", "0") or "0",
                  "email_bounce_count": "1", "email_send_count": "1"})
    state.user_prefs.setdefault(user["id"], {}).update(prefs)
    return user


def update_user(ctx, user, v):
    state = ctx.state
    if v.get("auth") in dict(auth_choices(state)):
        user["auth"] = v["auth"]
    if v.get("username") and v["username"] != user["username"]:
        user["username"] = v["username"]
    old_email = user["email"]
    _apply(state, user, v)
    prefs = state.user_prefs.setdefault(user["id"], {})
    if user["email"] != old_email:      # useredit_update_bounces()
        prefs["email_bounce_count"] = "0"
        prefs["email_send_count"] = "0"
    if v.get("newpassword") and user["auth"] not in NO_PASSWORD_CHANGE:
        user["password"] = v["newpassword"]
    if "preference_auth_forcepasswordchange" in v:
        prefs["auth_forcepasswordchange"] = v["preference_auth_forcepasswordchange"] or "0"
    if user["id"] != ctx.user["id"] and not state.is_siteadmin(user["id"]) and "suspended" in v:
        suspended = 1 if v["suspended"] == "1" else 0
        if suspended and not user["suspended"]:
            kill_user_sessions(state, user["id"])
        user["suspended"] = suspended


def editadvanced_php(ctx):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    try:
        uid = int(ctx.param("id") or ctx.user["id"])
    except (TypeError, ValueError):
        uid = 0
    new = uid == -1
    cap, capname = ("moodle/user:create", "Create users") if new else ("moodle/user:update", "Update user profiles")
    if not state.has_capability(ctx.user["id"], cap):
        return error_page(ctx, "Sorry, but you do not currently have permissions to do that (%s)." % capname,
                          "nopermissions", module="error")
    user = None
    if not new:
        user = state.users.get(uid)
        if user is None:
            return error_page(ctx, "Can't find data record in database table user.", "invalidrecord")
        if uid == 1:
            return error_page(ctx, "The guest user cannot edit this profile.", "guestnoeditprofileother",
                              module="moodle")
        if state.is_siteadmin(uid) and not ctx.is_admin:
            return error_page(ctx, "You can not edit the profile of a site administrator.", "useradmineditadmin",
                              module="moodle")
        if user["deleted"]:
            return page(ctx, "Edit profile | lab", "<h2>User deleted</h2><p>This user account has been deleted</p>",
                        bodyid="page-user-editadvanced", adminlayout=True)
    if ctx.method == "POST" and ctx.post.get("_qf__user_editadvanced_form") is not None:
        if ctx.post.get("cancel") is not None:
            return redirect(ctx.url(LIST_PATH))
        if not ctx.sesskey_ok():
            return error_page(ctx, "Your session has most likely timed out. Please log in again.", "invalidsesskey")
        ctx.write = True
        v = _values_from_post(ctx)
        errors = validate(state, user, v)
        if errors:
            return _page(ctx, user, v, errors)
        if new:
            create_user(ctx, v)
        else:
            update_user(ctx, user, v)
        ctx.session.notifications.append(("success", "Changes saved"))
        return redirect(ctx.url(LIST_PATH))
    if new:
        values = {"auth": "manual", "suspended": "0", "maildisplay": "2", "timezone": "99", "lang": "en",
                  "preference_auth_forcepasswordchange": "0", "course": str(ctx.param("course") or "1")}
    else:
        values = _values_from_user(state, user)
        values["course"] = str(ctx.param("course") or "1")
    return _page(ctx, user, values, {})
