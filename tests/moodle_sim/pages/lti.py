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


def installed_enrols(state):
    """(name, label) of the installed enrol plugins in component (name) order; 5.1: no enrol_mnet (left core)."""
    return sorted((n, l) for n, l in ENROL_PLUGINS if not (state.moodle.is51 and n == "mnet"))


def _enrol_table(ctx):
    """admin_setting_manageenrols: enabled plugins first (in their order), then the others by name; per row the
    enable/disable link, up/down links between enabled ones, Settings, Test settings (enrol_database only),
    Uninstall (all but manual). 4.5.6 / 5.1.3 f21-manageenrols."""
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    labels = dict(installed_enrols(state))
    enabled = [e for e in enabled_enrols(state) if e in labels]
    order = enabled + [n for n, _unused in installed_enrols(state) if n not in enabled]
    link = '<a href="%s/admin/enrol.php?sesskey=%s&amp;action=%%s&amp;enrol=%%s">%%s</a>' % (w, sk)
    icon = '<i class="icon fa %s fa-fw" title="%s" role="img" aria-label="%s"></i>'
    rows = []
    for name in order:
        on = name in enabled
        if on:
            enable = link % ("disable", name, '<i class="icon fa-regular fa-eye fa-fw" title="Disable" role="img" '
                                              'aria-label="Disable"></i>')
            pos = enabled.index(name)
            updown = ""
            if pos > 0:
                updown += link % ("up", name, icon % ("fa-arrow-up", "Up", "Up")) + "&nbsp;"
            if pos < len(enabled) - 1:
                updown += link % ("down", name, icon % ("fa-arrow-down", "Down", "Down")) + "&nbsp;"
        else:
            enable = link % ("enable", name, icon % ("fa-eye-slash", "Enable", "Enable"))
            updown = ""
        cells = [esc(labels[name]), "0 / 0", state.moodle.protocol_version, enable, updown,
                 '<a href="%s/admin/settings.php?section=enrolsettings%s">Settings</a>' % (w, name),
                 '<a href="%s/enrol/test_settings.php?enrol=%s">Test settings</a>' % (w, name)
                 if name == "database" else "",
                 '<a href="%s/admin/plugins.php?uninstall=enrol_%s&amp;confirm=0&amp;return=manage">Uninstall</a>'
                 % (w, name) if name != "manual" else ""]
        rows.append('<tr class="%s">%s</tr>' % ("" if on else "dimmed_text", "".join(
            '<td class="%s cell c%d%s">%s</td>' % ("leftalign" if i == 0 else "centeralign", i,
                                                   " lastcol" if i == 7 else "", v) for i, v in enumerate(cells))))
    heads = ["Name", "Instances / enrolments", "Version", "Enable", "Up/Down", "Settings", "Test settings",
             "Uninstall"]
    return ('<h3>Available course enrolment plugins</h3><div class="table-responsive">'
            '<table class="admintable generaltable" id="courseenrolmentplugins"><thead><tr>%s</tr></thead>'
            '<tbody>%s</tbody></table></div>'
            % ("".join('<th class="header c%d %s" scope="col">%s</th>'
                       % (i, "leftalign" if i == 0 else "centeralign", h) for i, h in enumerate(heads)),
               "".join(rows)))


def section_top(ctx, section):
    state = ctx.state
    w = state.wwwroot
    if section.kind == "manageenrols":
        return _enrol_table(ctx)
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
    return ('<h3>Registered platforms</h3><table class="generaltable"><thead><tr>'
            '<th>Name</th><th>Details</th><th>Deployments</th><th>Status</th><th>Actions</th></tr></thead>'
            '<tbody>%s</tbody></table>%s' % ("".join(rows), add))


def enrol_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    ctx.write = True
    action, enrol = ctx.param("action"), ctx.param("enrol")
    names = [n for n, _unused in installed_enrols(ctx.state)]
    if ctx.sesskey_ok() and enrol in names:
        enabled = enabled_enrols(ctx.state)
        if action == "enable" and enrol not in enabled:
            enabled.append(enrol)
        elif action == "disable" and enrol in enabled:
            enabled.remove(enrol)
        elif action in ("up", "down") and enrol in enabled:
            i = enabled.index(enrol)
            j = i - 1 if action == "up" else i + 1
            if 0 <= j < len(enabled):
                enabled[i], enabled[j] = enabled[j], enabled[i]
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


def _endpoint_row(w, key, label, path):
    # one tool endpoint: <th> label, <td> read-only URL + copy button (no links)
    return ('<tr class="d-flex"><th class="col-3" id="lti_tool_endpoint_name_%(k)s"><label '
            'for="lti_tool_endpoint_url_%(k)s">%(l)s</label></th><td class="col-9"><div class="input-group">'
            '<input class="form-control" type="text" value="%(u)s" id="lti_tool_endpoint_url_%(k)s" readonly>'
            '<button class="btn btn-secondary" data-action="copytoclipboard" '
            'data-clipboard-target="#lti_tool_endpoint_url_%(k)s" title="Copy to clipboard">'
            '<i class="icon fa fa-clipboard fa-fw" aria-hidden="true"></i></button></div></td></tr>'
            % dict(k=key, l=esc(label), u=esc(w + path)))


def _view(ctx, reg, tab):
    """The registration page: three tab panes, all in the page (the tab only chooses the active one). Tool
    details: the dynamic registration table (empty thead, one endpoint) and the manual endpoints table (Name/URL,
    four rows); platform details: a th/td table of the six fields ("-" when empty) + the edit button;
    deployments: none yet + the add link (4.5.6 390/393, 5.1.3 369/372)."""
    state = ctx.state
    w = state.wwwroot
    toggle = "data-bs-toggle" if state.moodle.is51 else "data-toggle"
    tabs = "".join('<li class="nav-item"><a class="nav-link%s" id="%s-tab" %s="tab" href="#%s" role="tab" '
                   'aria-controls="%s" aria-selected="%s">%s</a></li>'
                   % (" active" if t == tab else "", tid, toggle, t, t, "true" if t == tab else "false", label)
                   for t, tid, label in (("tooldetails", "tool-details", "Tool details"),
                                         ("platformdetails", "platform-details", "Platform details"),
                                         ("tooldeployments", "tool-deployments", "Deployments")))
    docs = "https://docs.moodle.org/%s/en/Publish_as_LTI_tool" % state.moodle.docs
    tool = ('<h5>Dynamic registration</h5><div class="alert alert-info alert-block">If the platform supports dynamic '
            'registration, use the registration URL below. For further information on dynamic registration, see '
            'the documentation <a href="%s">Publish as LTI tool</a>.</div>'
            '<table class="admintable generaltable"><thead></thead><tbody>%s</tbody></table>'
            '<h5>Manual registration</h5><div class="alert alert-info alert-block">The tool endpoints below are for '
            'manual LTI 1.3 setup only.</div><div id="lti_tool_endpoints"><table class="admintable generaltable">'
            '<thead><tr class="d-flex"><th>Name</th><th>URL</th></tr></thead><tbody>%s</tbody></table></div>'
            % (docs, _endpoint_row(w, "registrationurl", "Registration URL",
                                   "/enrol/lti/register.php?token=" + reg["uniqueid"]),
               "".join(_endpoint_row(w, k, label, path) for k, label, path in (
                   ("toolurl", "Tool URL", "/enrol/lti/launch.php"),
                   ("initiatelogin", "Initiate login URL", "/enrol/lti/login.php?id=" + reg["uniqueid"]),
                   ("jwksurl", "JWKS URL", "/enrol/lti/jwks.php"),
                   ("deeplinking", "Deep linking URL", "/enrol/lti/launch_deeplink.php")))))
    platform = ('<div class="alert alert-info alert-block">Once the tool has been set up in the platform, details '
                'from the platform must be recorded here to complete the registration.</div>'
                '<table class="admintable generaltable"><tbody>%s</tbody></table>'
                '<a class="btn btn-secondary" href="%s/enrol/lti/register_platform.php?action=edit&amp;regid=%d">'
                'Edit platform details</a>'
                % ("".join('<tr><th class="col-3">%s</th><td class="col-9">%s</td></tr>'
                           % (esc(label), esc(reg.get(k) or "-")) for k, label in EDIT_FIELDS), w, reg["id"]))
    deployments = ('<div id="lti_tool_deployments" class="mb-3"><div>No tool deployments found</div><div>'
                   '<a class="btn btn-secondary" href="%s/enrol/lti/manage_deployment.php?action=add&amp;'
                   'registrationid=%d">Add a deployment</a></div></div>' % (w, reg["id"]))
    panes = "".join('<div class="tab-pane fade%s" id="%s" role="tabpanel" aria-labelledby="%s-tab">%s</div>'
                    % (" show active" if t == tab else "", t, tid, body)
                    for t, tid, body in (("tooldetails", "tool-details", tool),
                                         ("platformdetails", "platform-details", platform),
                                         ("tooldeployments", "tool-deployments", deployments)))
    main = ('<h2>Edit registration</h2><a class="btn btn-secondary mb-3" href="%s%s">Back</a>'
            '<ul class="nav nav-tabs mb-3" id="registration-tabs" role="tablist">%s</ul>'
            '<div class="tab-content" id="registration-tab-content">%s</div>' % (w, REGISTRATIONS, tabs, panes))
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
