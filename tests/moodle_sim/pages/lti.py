"""enrol_lti / auth_lti (flow f21): manage enrol plugins (+ /admin/enrol.php), the LTI settings warnings, the
registered platforms list and /enrol/lti/register_platform.php (add, view, edit, delete)."""
import secrets

from ..html import confirm_box, esc, page, single_button
from ..response import redirect
from .common import require_admin

DEFAULT_ENROLS = "manual,guest,self,cohort"
ENROL_PLUGINS = [("manual", "Manual enrolments"), ("guest", "Guest access"), ("self", "Self enrolment"),
                 ("cohort", "Cohort sync"), ("database", "External database"), ("flatfile", "Flat file (CSV)"),
                 ("imsenterprise", "IMS Enterprise file"), ("ldap", "LDAP enrolments"), ("lti", "Publish as LTI tool"),
                 ("meta", "Course meta link"), ("mnet", "MNet remote enrolments"), ("paypal", "PayPal"),
                 ("category", "Category enrolments"), ("fee", "Enrolment on payment")]
REGISTRATIONS = "/admin/settings.php?section=enrolsettingslti_registrations"


def enabled_enrols(state):
    value = state.get_config("enrol_plugins_enabled")
    if value is None:
        value = DEFAULT_ENROLS
    return [e for e in value.split(",") if e]


def section_top(ctx, section):
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    if section.kind == "manageenrols":
        enabled = enabled_enrols(state)
        rows = []
        for name, label in ENROL_PLUGINS:
            action = "disable" if name in enabled else "enable"
            rows.append('<tr><td>%s</td><td><a href="%s/admin/enrol.php?sesskey=%s&amp;action=%s&amp;enrol=%s">%s</a>'
                        '</td></tr>' % (esc(label), w, sk, action, name, action.capitalize()))
        return ('<table class="admintable generaltable" id="plugins-control-panel"><thead><tr><th>Name</th>'
                '<th>Enable</th></tr></thead><tbody>%s</tbody></table>' % "".join(rows))
    if section.kind == "enrollti":
        out = []
        if "lti" not in state.enabled_auths:
            out.append("This plugin requires the LTI authentication plugin to be enabled too.")
        if not state.cfg_flag("allowframembedding"):
            out.append("It is recommended that the site administration setting Allow frame embedding is enabled, "
                       "so that tools are displayed within a frame rather than in a new window.")
        return "".join('<div class="alert alert-warning" role="alert">%s</div>' % esc(t) for t in out)
    # ltiregistrations
    regs = sorted(state.lti_registrations.values(), key=lambda r: r["id"])
    add = '<a class="btn btn-secondary" href="%s/enrol/lti/register_platform.php?action=add">Register a platform</a>' % w
    if not regs:
        return '<h3>Registered platforms</h3><p>No registered platforms</p>' + add
    rows = []
    for r in regs:
        view = "%s/enrol/lti/register_platform.php?action=view&amp;regid=%d" % (w, r["id"])
        details = ("Platform ID (issuer): %s Client ID: %s" % (r["platformid"], r["clientid"])) if r["status"] else \
            "Pending"
        rows.append('<tr><td>%s</td><td>%s</td><td>0</td><td>%s</td><td><a href="%s&amp;tabselect=tooldetails">'
                    'View tool details</a> <a href="%s&amp;tabselect=platformdetails">View platform details</a> '
                    '<a href="%s&amp;tabselect=tooldeployments">Manage deployments</a> <a href="%s/enrol/lti/'
                    'register_platform.php?action=delete&amp;regid=%d">Delete</a></td></tr>'
                    % (esc(r["name"]), esc(details), "Active" if r["status"] else "Pending", view, view, view, w,
                       r["id"]))
    return ('<h3>Registered platforms</h3><table class="generaltable" id="lti_tool_registrations"><thead><tr>'
            '<th>Name</th><th>Details</th><th>Tool deployments</th><th>Status</th><th>Actions</th></tr></thead>'
            '<tbody>%s</tbody></table>%s' % ("".join(rows), add))


def enrol_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    ctx.write = True
    action, enrol = ctx.param("action"), ctx.param("enrol")
    names = [n for n, _unused in ENROL_PLUGINS]
    if ctx.sesskey_ok() and enrol in names:
        enabled = enabled_enrols(ctx.state)
        if action == "enable" and enrol not in enabled:
            enabled.append(enrol)
        elif action == "disable" and enrol in enabled:
            enabled.remove(enrol)
        ctx.state.set_config("enrol_plugins_enabled", ",".join(enabled))
    return redirect(ctx.url("/admin/settings.php?section=manageenrols"))


def _page(ctx, title, main):
    return page(ctx, "%s | lab" % title, main, bodyid="page-enrol-lti-register_platform", adminlayout=True)


def _text(ctx, name):
    v = ctx.param(name, "")
    return v.strip() if isinstance(v, str) else ""


def _add_form(ctx, error=""):
    w = ctx.state.wwwroot
    return ('<form autocomplete="off" action="%s/enrol/lti/register_platform.php?action=add" method="post" '
            'accept-charset="utf-8" id="mform1" class="mform">\n<input name="sesskey" type="hidden" value="%s">\n'
            '<input name="_qf__enrol_lti_local_ltiadvantage_form_create_registration_form" type="hidden" value="1">\n'
            '<div class="form-group"><label for="id_name">Platform name</label><input type="text" name="name" '
            'id="id_name" value="%s" class="form-control">%s</div>\n<input type="submit" class="btn btn-primary" '
            'name="submitbutton" id="id_submitbutton" value="Continue">\n<input type="submit" class="btn '
            'btn-secondary" name="cancel" id="id_cancel" value="Cancel" data-skip-validation="1" '
            'formnovalidate>\n</form>' % (w, esc(ctx.session.sesskey), esc(_text(ctx, "name")),
                                          '<div class="invalid-feedback d-block">%s</div>' % esc(error) if error else ""))


EDIT_FIELDS = [("name", "Platform name"), ("platformid", "Platform ID (issuer)"), ("clientid", "Client ID"),
               ("authenticationrequesturl", "Authentication request URL"), ("jwksurl", "Public keyset URL"),
               ("accesstokenurl", "Access token URL")]


def _edit_form(ctx, reg, values=None):
    w = ctx.state.wwwroot
    values = values or reg
    fields = "".join('<div class="form-group"><label for="id_%s">%s</label><input type="text" name="%s" id="id_%s" '
                     'value="%s" class="form-control"></div>\n' % (k, esc(label), k, k, esc(values.get(k) or ""))
                     for k, label in EDIT_FIELDS)
    return ('<form autocomplete="off" action="%s/enrol/lti/register_platform.php?action=edit&amp;regid=%d" '
            'method="post" accept-charset="utf-8" id="mform1" class="mform">\n<input name="id" type="hidden" '
            'value="%d">\n<input name="sesskey" type="hidden" value="%s">\n<input name="_qf__enrol_lti_local_'
            'ltiadvantage_form_platform_registration_form" type="hidden" value="1">\n%s<input type="submit" '
            'class="btn btn-primary" name="submitbutton" id="id_submitbutton" value="Save changes">\n<input '
            'type="submit" class="btn btn-secondary" name="cancel" id="id_cancel" value="Cancel" '
            'data-skip-validation="1" formnovalidate>\n</form>'
            % (w, reg["id"], reg["id"], esc(ctx.session.sesskey), fields))


def _view(ctx, reg, tab):
    w = ctx.state.wwwroot
    tabs = "".join('<li class="nav-item"><a class="nav-link%s" href="%s/enrol/lti/register_platform.php?action=view'
                   '&amp;regid=%d&amp;tabselect=%s">%s</a></li>' % (" active" if t == tab else "", w, reg["id"], t,
                                                                    label)
                   for t, label in (("tooldetails", "Tool details"), ("platformdetails", "Platform details"),
                                    ("tooldeployments", "Deployments")))
    if tab == "platformdetails":
        body = "<dl>%s</dl>" % "".join("<dt>%s</dt><dd>%s</dd>" % (esc(label), esc(reg.get(k) or ""))
                                       for k, label in EDIT_FIELDS)
        body += '<a class="btn btn-secondary" href="%s/enrol/lti/register_platform.php?action=edit&amp;regid=%d">' \
                'Edit platform details</a>' % (w, reg["id"])
    elif tab == "tooldeployments":
        body = "<p>No deployments</p>"
    else:
        urls = [("registrationurl", "Registration URL", "/enrol/lti/register.php?token=" + reg["uniqueid"]),
                ("toolurl", "Tool URL", "/enrol/lti/launch.php"),
                ("initiatelogin", "Initiate login URL", "/enrol/lti/login.php?id=" + reg["uniqueid"]),
                ("jwksurl", "JWKS URL", "/enrol/lti/jwks.php"),
                ("deeplinking", "Deep linking URL", "/enrol/lti/launch_deeplink.php")]
        body = "".join('<div class="mb-3"><label for="lti_tool_endpoint_url_%s">%s</label><input type="text" '
                       'class="form-control" id="lti_tool_endpoint_url_%s" value="%s" readonly></div>'
                       % (k, esc(label), k, esc(w + path)) for k, label, path in urls)
    main = '<h2>%s</h2><ul class="nav nav-tabs">%s</ul><div class="tab-content">%s</div>' % (esc(reg["name"]), tabs,
                                                                                             body)
    return _page(ctx, "Platform details", main)


def register_platform_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    action = ctx.param("action", "")
    regid = ctx.param("regid", "")
    reg = state.lti_registrations.get(int(regid)) if isinstance(regid, str) and regid.isdigit() else None
    if action == "add":
        if ctx.method == "POST":
            ctx.write = True
            if "cancel" in ctx.post:
                return redirect(ctx.url(REGISTRATIONS))
            if ctx.sesskey_ok() and _text(ctx, "name"):
                rid = state.next_lti_id
                state.next_lti_id += 1
                state.lti_registrations[rid] = dict(id=rid, name=_text(ctx, "name"), status=0, platformid=None,
                                                    clientid=None, authenticationrequesturl=None, jwksurl=None,
                                                    accesstokenurl=None, uniqueid=secrets.token_hex(30))
                return redirect(ctx.url("/enrol/lti/register_platform.php?action=view&regid=%d&tabselect=tooldetails"
                                        % rid))
            return _page(ctx, "Register a platform", _add_form(ctx, "Required" if ctx.sesskey_ok() else ""))
        return _page(ctx, "Register a platform", _add_form(ctx))
    if reg is None:
        from ..html import error_page
        return error_page(ctx, "Invalid registration ID", "invalidregistrationid", module="enrol_lti")
    if action == "edit":
        if ctx.method == "POST":
            ctx.write = True
            if "cancel" in ctx.post:
                return redirect(ctx.url("/enrol/lti/register_platform.php?action=view&regid=%d" % reg["id"]))
            values = dict((k, _text(ctx, k)) for k, _unused in EDIT_FIELDS)
            if ctx.sesskey_ok() and all(values.values()):
                reg.update(values)
                reg["status"] = 1
                ctx.session.notifications.append(("success", "Platform registration updated"))
                return redirect(ctx.url("/enrol/lti/register_platform.php?action=view&regid=%d" % reg["id"]))
            return _page(ctx, "Edit platform details", _edit_form(ctx, reg, values))
        return _page(ctx, "Edit platform details", _edit_form(ctx, reg))
    if action == "delete":
        if ctx.method == "POST" and ctx.param("confirm") == "1":
            ctx.write = True
            if ctx.sesskey_ok():
                del state.lti_registrations[reg["id"]]
                ctx.session.notifications.append(("success", "Platform registration deleted"))
            return redirect(ctx.url(REGISTRATIONS))
        w = state.wwwroot
        main = confirm_box("Are you sure you want to delete the registration for the platform '%s'? This will also "
                           "remove all tool deployments and any associated data." % reg["name"],
                           single_button(w + "/enrol/lti/register_platform.php", "Continue", "post",
                                         [("action", "delete"), ("regid", str(reg["id"])),
                                          ("sesskey", ctx.session.sesskey), ("confirm", "1")]),
                           single_button(w + "/admin/settings.php", "Cancel", "get",
                                         [("section", "enrolsettingslti_registrations")], primary=False))
        return _page(ctx, "Delete registration", main)
    tab = ctx.param("tabselect", "tooldetails")
    return _view(ctx, reg, tab if tab in ("tooldetails", "platformdetails", "tooldeployments") else "tooldetails")
