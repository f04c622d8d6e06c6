"""admin/webservice/service_user_settings.php (flow f18, fixtures 318-330): IP restriction and valid-until of one
authorised user of a restricted service.

Markup written for the simulator; kept from the recordings: the form posts to "" (the same URL) with hidden id
(= the service id), userid, sesskey, _qf__external_service_authorised_user_settings_form,
mform_isexpanded_id_serviceusersettings, iprestriction, the validuntil date selector (enabled/day/month/year),
submitbutton=Update and cancel; a save answers 200 with the form again and "User settings saved"."""
import time

from ..html import error_page, esc, fullname, notification_html, page
from ..response import redirect
from .common import require_admin
from .tokens import _date_from_post, _date_selector

PATH = "/admin/webservice/service_user_settings.php"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def service_user_settings_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    serviceid = _int(ctx.param("serviceid")) or _int(ctx.param("id"))
    userid = _int(ctx.param("userid"))
    service = state.services.get(serviceid)
    su = service["users"].get(userid) if service else None
    user = state.users.get(userid)
    if su is None or user is None:
        return error_page(ctx, "Can't find data record in database table external_services_users.", "invalidrecord",
                          module="moodle")
    notice = ""
    post = ctx.post
    if ctx.method == "POST" and post.get("_qf__external_service_authorised_user_settings_form") == "1":
        ctx.write = True
        if "cancel" in post:
            return redirect(ctx.url("/admin/webservice/service_users.php?id=%d" % serviceid))
        if ctx.sesskey_ok():
            ip = post.get("iprestriction") if isinstance(post.get("iprestriction"), str) else ""
            su["iprestriction"] = ip.strip() or None
            su["validuntil"] = _date_from_post(post, "validuntil")
            notice = notification_html("success", "User settings saved", state.moodle.is51)
    validuntil = su.get("validuntil") or 0
    form = ('<form autocomplete="off" action="" method="post" accept-charset="utf-8" id="mform1" class="mform">'
            '<div style="display: none;"><input name="id" type="hidden" value="%(sid)d">'
            '<input name="userid" type="hidden" value="%(uid)d"><input name="sesskey" type="hidden" value="%(sk)s">'
            '<input name="_qf__external_service_authorised_user_settings_form" type="hidden" value="1">'
            '<input name="mform_isexpanded_id_serviceusersettings" type="hidden" value="1"></div>'
            '<fieldset class="clearfix collapsible" id="id_serviceusersettings"><legend>Settings for %(name)s</legend>'
            '<div class="fitem"><label for="id_iprestriction">IP restriction</label><input type="text" '
            'class="form-control" name="iprestriction" id="id_iprestriction" value="%(ip)s"></div>'
            '<div class="fitem" data-groupname="validuntil"><p>Valid until</p>%(date)s</div></fieldset>'
            '<div class="fitem"><input type="submit" class="btn btn-primary" name="submitbutton" id="id_submitbutton" '
            'value="Update"> <input type="submit" class="btn btn-secondary" name="cancel" id="id_cancel" '
            'value="Cancel" data-cancel="1"></div></form>'
            % dict(sid=serviceid, uid=userid, sk=esc(ctx.session.sesskey), name=esc(fullname(user)),
                   ip=esc(su.get("iprestriction") or ""),
                   date=_date_selector("validuntil", validuntil or int(time.time()), bool(validuntil),
                                       state.moodle.is51)))
    main = "<h2>%s</h2>%s%s" % (esc(service["name"]), notice, form)
    return page(ctx, "External services | lab", main, bodyid="page-admin-webservice-service_user_settings",
                pageurl=ctx.url(PATH))
