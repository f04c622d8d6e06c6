"""URL path -> page handler."""
from .pages import admin_settings, ajax, auth_plugins, login, rest, services, tokens, tokens_login, webservice
from .pages import apilogin, eduauth, lti, userkey
from .pages import oauth2
from .pages import roles, services_user_settings
from .pages import users_edit, users_list
from .pages.admin_settings_upgrade import admin_index, upgradesettings_php
from .pages import mfa


ROUTES = {
    "/": login.site_index,
    "/index.php": login.site_index,
    "/login/index.php": login.index,
    "/login/logout.php": login.logout,
    "/login/token.php": tokens_login.token_php,
    "/my/": login.my,
    "/my/index.php": login.my,
    "/user/profile.php": login.profile,
    "/admin/index.php": admin_index,
    "/admin/upgradesettings.php": upgradesettings_php,
    "/admin/settings.php": admin_settings.settings,
    "/admin/search.php": admin_settings.search,
    "/admin/auth.php": auth_plugins.auth_php,
    "/admin/tool/mfa/auth.php": mfa.auth_php,
    "/admin/tool/mfa/index.php": mfa.index_php,
    "/admin/webservice/protocols.php": webservice.protocols_php,
    "/admin/webservice/service.php": services.service_php,
    "/admin/webservice/service_functions.php": services.service_functions,
    "/admin/webservice/service_users.php": services.service_users,
    "/admin/webservice/tokens.php": tokens.tokens_php,
    "/webservice/rest/server.php": rest.server,
    "/lib/ajax/service.php": ajax.service,
    "/lib/ajax/service-nologin.php": ajax.service_nologin,
    "/auth/userkey/login.php": userkey.login_php,
    "/auth/apilogin/services.php": apilogin.services,
    "/local/eduauth/login.php": eduauth.login_php,
    "/local/eduauth/launch.php": eduauth.launch_php,
    "/local/eduauth/connect.php": eduauth.connect_php,
    "/local/eduauth/logout.php": eduauth.logout_php,
    "/admin/enrol.php": lti.enrol_php,
    "/enrol/lti/register_platform.php": lti.register_platform_php,
    "/admin/tool/oauth2/issuers.php": oauth2.issuers_php,
    "/admin/tool/oauth2/endpoints.php": oauth2.endpoints_php,
    "/admin/tool/oauth2/userfieldmappings.php": oauth2.userfieldmappings_php,
    "/auth/oauth2/login.php": oauth2.login_php,
    "/admin/roles/manage.php": roles.manage_php,
    "/admin/roles/define.php": roles.define_php,
    "/admin/roles/assign.php": roles.assign_php,
    "/admin/roles/check.php": roles.check_php,
    "/user/selector/search.php": roles.search_php,
    "/admin/webservice/service_user_settings.php": services_user_settings.service_user_settings_php,
    "/admin/user.php": users_list.user_php,
    "/user/editadvanced.php": users_edit.editadvanced_php,
}
