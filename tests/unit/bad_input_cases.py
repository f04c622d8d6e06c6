"""The bad-input table of test_bad_input.py: (case id, module, options over the module's valid base options, what
the message must name). Limits are Moodle's columns (lib/db/install.xml) and its forms (role shortname maxlength
100, name 254 in the recorded role form), stated here independently of plugins/module_utils/input_checks.py."""

# Options each module needs to get as far as its own checks; the connection comes from the test (sim.url).
BASE = {
    "moodle_webservice_enable": {},
    "moodle_info": {},
    "moodle_site_info": {},
    "moodle_external_service": {"name": "Bad input service", "shortname": "bad_input_svc"},
    "moodle_role": {"shortname": "bad_input_role"},
    "moodle_token": {"user": "admin", "service": "moodle_mobile_app"},
    "moodle_user": {"username": "bad_input_user", "login_username": "admin", "login_password": "Admin#12345"},
    "moodle_auth_plugin": {"name": "email"},
    "moodle_mfa": {},
    "moodle_userkey_url": {"user": {"username": "admin"}, "token": "0123456789abcdef0123456789abcdef"},
    "moodle_apilogin_user": {"secret": "apilogin-Secret-1", "user": {"username": "bad_input_user"}},
    "moodle_lti_platform": {"name": "Bad input platform"},
    "moodle_oauth2_issuer": {"name": "Bad input issuer"},
    "moodle_eduauth": {"action": "login_url", "appid": "at.example.badinput"},
}
MODULES = sorted(BASE)

# String options: (module, option, Moodle's limit or None, kind). kind: "id" (an identifier: no spaces, no
# accents), "text" (a name), "url", "list" (a list of identifiers: cases on element 0), "secret" (never shown).
STRINGS = [
    ("moodle_webservice_enable", "protocols", None, "list"),
    ("moodle_webservice_enable", "services", 255, "list"),
    ("moodle_site_info", "token_store", 4096, "text"),
    ("moodle_external_service", "name", 200, "text"),
    ("moodle_external_service", "shortname", 255, "id"),
    ("moodle_external_service", "functions", 200, "list"),
    ("moodle_external_service", "authorised_users", 100, "list"),
    ("moodle_external_service", "required_capability", 255, "text"),
    ("moodle_role", "shortname", 100, "id"),
    ("moodle_role", "name", 254, "text"),
    ("moodle_role", "archetype", 30, "id"),
    ("moodle_role", "users", 100, "list"),
    ("moodle_token", "user", 100, "text"),
    ("moodle_token", "service", 255, "text"),
    ("moodle_token", "name", 255, "text"),
    ("moodle_token", "ip_restriction", 255, "id"),
    ("moodle_token", "valid_until", 30, "text"),
    ("moodle_token", "token_value", 128, "secret"),
    ("moodle_user", "username", 100, "text"),
    ("moodle_user", "auth", 20, "id"),
    ("moodle_user", "firstname", 100, "text"),
    ("moodle_user", "lastname", 100, "text"),
    ("moodle_user", "email", 100, "id"),
    ("moodle_user", "idnumber", 255, "text"),
    ("moodle_user", "login_username", 100, "text"),
    ("moodle_auth_plugin", "name", 100, "id"),
    ("moodle_userkey_url", "ip", 255, "id"),
    ("moodle_userkey_url", "wants_url", None, "url"),
    ("moodle_lti_platform", "name", 255, "text"),
    ("moodle_lti_platform", "platform_id", 1333, "text"),
    ("moodle_lti_platform", "client_id", 1333, "text"),
    ("moodle_lti_platform", "authentication_request_url", None, "url"),
    ("moodle_lti_platform", "jwks_url", None, "url"),
    ("moodle_lti_platform", "access_token_url", None, "url"),
    ("moodle_oauth2_issuer", "name", 255, "text"),
    ("moodle_oauth2_issuer", "client_id", 1333, "text"),
    ("moodle_oauth2_issuer", "client_secret", 1333, "secret"),
    ("moodle_oauth2_issuer", "base_url", None, "url"),
    ("moodle_oauth2_issuer", "login_page_name", 255, "text"),
    ("moodle_eduauth", "appid", 40, "text"),
    ("moodle_eduauth", "app_token", 40, "secret"),
    ("moodle_eduauth", "target_url", None, "url"),
    ("moodle_eduauth", "callforward", None, "url"),
]

# Options that may be an empty string (it means "none" to Moodle).
EMPTY_ALLOWED = {("moodle_role", "archetype"), ("moodle_external_service", "required_capability"),
                 ("moodle_user", "idnumber")}
EMPTY_ALLOWED.add(("moodle_oauth2_issuer", "login_page_name"))    # empty: the login page shows the name

URL_VARIANTS = {
    "no_scheme": "platform.example.edu/lti/auth",
    "ftp_scheme": "ftp://platform.example.edu/lti",
    "no_host": "https:///lti/auth",
    "space": "https://platform.example.edu/lti auth",
    "bad_port": "https://platform.example.edu:http/",
}

# The site url: a path (a subdirectory) is fine, a page, a query or a fragment is not.
SITE_URL_VARIANTS = {
    "no_scheme": "moodle.example.edu",
    "scheme_only": "https://",
    "ftp_scheme": "ftp://moodle.example.edu",
    "query": "https://moodle.example.edu/?lang=de",
    "fragment": "https://moodle.example.edu/#top",
    "login_page": "https://moodle.example.edu/login/index.php",
    "admin_page_query": "https://moodle.example.edu/moodle/admin/index.php?cache=1",
    "empty": "",
    "control": "https://moodle.example.edu\n",
    "unicode_space": "https://moodle.example.edu/\u00a0",
    "bool": True,
    "very_long": "https://moodle.example.edu/" + "a" * 3000,
}


def string_cases():
    """Generic bad values for every string option: empty, blank, control characters, a newline, over the limit,
    a YAML boolean, surrounding spaces, accents and spaces in identifiers, broken URLs."""
    cases = []
    for module, option, limit, kind in STRINGS:
        def add(variant, value, path=option):
            given = [value] if kind == "list" else value
            cases.append(("%s-%s-%s" % (module, option, variant), module, {option: given}, [path]))
        path = option + "[0]" if kind == "list" else option
        if (module, option) not in EMPTY_ALLOWED:
            add("empty", "", path)
            add("blank", "   ", path)
        add("control_bell", "ab\x07cd", path)
        add("control_nul", "ab\x00cd", path)
        add("control_escape", "\x1b[31mred", path)
        add("newline", "first\nsecond", path)
        add("yaml_true", True, path)
        add("yaml_false", False, path)
        if limit:
            add("too_long", "a" * (limit + 1), path)
        if kind in ("id", "list") and option != "services":   # services may be given by name
            add("space_inside", "two words", path)
        if kind in ("id", "list") and option not in ("services", "authorised_users", "users"):
            add("unicode", "r\u00f4le\u00e9", path)
        if kind in ("text", "id"):
            add("surrounding_spaces", " padded ", path)
        if kind == "url":
            for variant, value in sorted(URL_VARIANTS.items()):
                add(variant, value, path)
    return cases


def connection_cases():
    """The connection options, spread over the modules so every module checks them."""
    cases = []
    for index, (variant, value) in enumerate(sorted(SITE_URL_VARIANTS.items())):
        module = MODULES[index % len(MODULES)]
        cases.append(("%s-url-%s" % (module, variant), module, {"url": value}, ["url"]))
    for index, module in enumerate(MODULES):
        # http:// with validate_certs given as true in the task: nothing to verify
        cases.append(("%s-http_with_validate_certs" % module, module,
                      {"url": "http://moodle.example.edu", "validate_certs": True}, ["url", "validate_certs"]))
    extra = [
        ("cas_url", "cas.example.edu/cas"), ("cas_url", "https://"), ("cas_url", "ldap://cas.example.edu"),
        ("username", ""), ("username", "ad\x00min"), ("username", True), ("username", "a" * 101),
        ("token", "abc\x01def"), ("token", "has space 0123"), ("token", "t\u00f6ken0123"), ("token", "a" * 200),
        ("timeout", "thirty"), ("retries", "many"), ("validate_certs", "maybe"), ("auth_method", "kerberos"),
        ("ca_path", "/etc/ssl/\x07ca.pem"), ("auth_method", True),
    ]
    for index, (option, value) in enumerate(extra):
        module = MODULES[index % len(MODULES)]
        if module == "moodle_user" and option == "username":
            module = "moodle_role"   # moodle_user's username is the managed account: a case of its own
        cases.append(("%s-%s-%d" % (module, option, index), module, {option: value}, [option]))
    return cases


def typed_cases():
    """Wrong types, unknown choices, unknown keys (top level and nested), missing and exclusive options."""
    rows = [
        ("moodle_webservice_enable", {"exclusive": "maybe"}, ["exclusive"]),
        ("moodle_webservice_enable", {"mobile": "sometimes"}, ["mobile"]),
        ("moodle_webservice_enable", {"state": "enabled"}, ["state"]),
        ("moodle_webservice_enable", {"protocols": {"rest": True}}, ["protocols"]),
        ("moodle_webservice_enable", {"protocols": ["rest", "carrier_pigeon"]}, ["protocols"]),
        ("moodle_webservice_enable", {"transport": "ssh"}, ["transport"]),
        ("moodle_info", {"gather": ["site", "everything"]}, ["gather"]),
        ("moodle_info", {"gather": {"site": 1}}, ["gather"]),
        ("moodle_info", {"transport": "cli", "php_executable": "php\x00"}, ["php_executable"]),
        ("moodle_site_info", {"auth_settings": "some"}, ["auth_settings"]),
        ("moodle_site_info", {"managed": "tokens"}, ["managed"]),
        ("moodle_site_info", {"managed": {"roles": []}}, ["managed.roles"]),
        ("moodle_site_info", {"managed": {"tokens": "all"}}, ["tokens"]),
        ("moodle_external_service", {"enabled": "perhaps"}, ["enabled"]),
        ("moodle_external_service", {"state": "deleted"}, ["state"]),
        ("moodle_external_service", {"functions": {"core_webservice_get_site_info": 1}}, ["functions"]),
        ("moodle_external_service", {"restricted_users": "only_some"}, ["restricted_users"]),
        ("moodle_external_service", {"can_upload_files": 7}, ["can_upload_files"]),
        ("moodle_external_service", {"append": "sometimes"}, ["append"]),
        ("moodle_role", {"context_levels": ["galaxy"]}, ["context_levels"]),
        ("moodle_role", {"capabilities": ["moodle/site:config"]}, ["capabilities"]),
        ("moodle_role", {"capabilities": {"moodle/site:config": "allowed"}}, ["capabilities"]),
        ("moodle_role", {"exclusive": "yes please"}, ["exclusive"]),
        ("moodle_role", {"state": "gone"}, ["state"]),
        ("moodle_role", {"users": {"admin": "teacher"}}, ["users"]),
        ("moodle_token", {"state": "renewed"}, ["state"]),
        ("moodle_token", {"method": "oauth"}, ["method"]),
        ("moodle_token", {"verify": "perhaps"}, ["verify"]),
        ("moodle_token", {"invalid_token_value": "ignore"}, ["invalid_token_value"]),
        ("moodle_token", {"valid_until": "next tuesday"}, ["valid_until"]),
        ("moodle_token", {"valid_until": "2026-02-30"}, ["valid_until"]),
        ("moodle_token", {"method": "login"}, ["user_password"]),
        ("moodle_user", {"state": "deleted"}, ["state"]),
        ("moodle_user", {"update_password": "never"}, ["update_password"]),
        ("moodle_user", {"profile": "Vienna"}, ["profile"]),
        ("moodle_user", {"profile": ["city", "Vienna"]}, ["profile"]),
        ("moodle_role", {"capabilities": "moodle/site:config"}, ["capabilities"]),
        ("moodle_auth_plugin", {"settings": "recaptcha"}, ["settings"]),
        ("moodle_eduauth", {"data": "myData"}, ["data"]),
        ("moodle_eduauth", {"timeout": 0, "action": "wait_user", "app_token": "a" * 40}, ["timeout"]),
        ("moodle_eduauth", {"poll_interval": 0, "action": "wait_user", "app_token": "a" * 40}, ["poll_interval"]),
        ("moodle_info", {"timeout": 0}, ["timeout"]),
        ("moodle_role", {"retries": -1}, ["retries"]),
        ("moodle_userkey_url", {"course_id": -3}, ["course_id"]),
        ("moodle_user", {"profile": {"firstname": "Ann"}}, ["profile.firstname"]),
        ("moodle_user", {"force_password_change": "later"}, ["force_password_change"]),
        ("moodle_user", {"username": "Bad_Input_User"}, ["username"]),
        ("moodle_user", {"username": "two words"}, ["username"]),
        ("moodle_user", {"email": "not-an-address"}, ["email"]),
        ("moodle_user", {"update_password": "always"}, ["password"]),
        ("moodle_auth_plugin", {"state": "on"}, ["state"]),
        ("moodle_auth_plugin", {"position": "first"}, ["position"]),
        ("moodle_auth_plugin", {"position": 0, "state": "enabled"}, ["position"]),
        ("moodle_auth_plugin", {"position": 2}, ["position"]),
        ("moodle_auth_plugin", {"settings": ["recaptcha"]}, ["settings"]),
        ("moodle_auth_plugin", {"name": "auth email"}, ["name"]),
        ("moodle_auth_plugin", {"name": "Email"}, ["name"]),
        ("moodle_mfa", {"enabled": "perhaps"}, ["enabled"]),
        ("moodle_mfa", {"lockout_check": "maybe"}, ["lockout_check"]),
        ("moodle_mfa", {"factors": {"iprange": "on"}}, ["factors.iprange"]),
        ("moodle_mfa", {"factors": {"iprange": {"weight": "heavy"}}}, ["factors.iprange.weight"]),
        ("moodle_mfa", {"factors": {"iprange": {"enable": True}}}, ["factors.iprange"]),
        ("moodle_mfa", {"factors": {"iprange": {"enabled": "yes please"}}}, ["factors.iprange.enabled"]),
        ("moodle_mfa", {"factor_order": ["totp", "totp"]}, ["factor_order"]),
        ("moodle_mfa", {"factors": {"totp": {"enabled": False}}, "factor_order": ["totp"]}, ["factor_order"]),
        ("moodle_mfa", {"factors": {"ipranges": {"enabled": True}}, "enabled": True}, ["ipranges"]),
        ("moodle_mfa", {"settings": {"lockouts": 3}}, ["settings.lockouts"]),
        ("moodle_mfa", {"factors": {"iprange": {"settings": {"safeip": ["127.0.0.1"]}}}},
         ["factors.iprange.settings.safeip"]),
        ("moodle_mfa", {"factors": {"auth": {"settings": {"goodauth": ["ldapx"]}}}},
         ["factors.auth.settings.goodauth"]),
        ("moodle_userkey_url", {"user": "admin"}, ["user"]),
        ("moodle_userkey_url", {"user": {}}, ["user"]),
        ("moodle_userkey_url", {"course_id": "maths"}, ["course_id"]),
        ("moodle_userkey_url", {"activity": {"modname": "quiz"}}, ["cmid"]),
        ("moodle_userkey_url", {"activity": {"modname": "quiz", "cmid": "x1"}}, ["cmid"]),
        ("moodle_userkey_url", {"activity": {"modname": "quiz", "cmid": 1, "section": 2}}, ["activity.section"]),
        ("moodle_userkey_url", {"course_id": 2, "wants_url": "https://moodle.example.edu/my/"},
         ["course_id", "wants_url"]),
        ("moodle_lti_platform", {"state": "registered"}, ["state"]),
        ("moodle_lti_platform", {"enable_plugins": "some"}, ["enable_plugins"]),
        ("moodle_lti_platform", {"platform_id": "https://canvas.example.edu"}, ["client_id"]),
        ("moodle_oauth2_issuer", {"base_url": "http://idp.example.edu"}, ["base_url", "https://"]),
        ("moodle_oauth2_issuer", {"endpoints": {"token": "http://idp.example.edu/token"}}, ["endpoints.token"]),
        ("moodle_oauth2_issuer", {"endpoints": {"token": "not a url"}}, ["endpoints.token"]),
        ("moodle_oauth2_issuer", {"user_field_mappings": {"sub": "shoe_size"}}, ["user_field_mappings.sub"]),
        ("moodle_oauth2_issuer", {"show_on_login_page": "yes"}, ["show_on_login_page"]),
        ("moodle_oauth2_issuer", {"service": "github"}, ["service"]),
        ("moodle_oauth2_issuer", {"endpoints_mode": "replace"}, ["endpoints_mode"]),
        ("moodle_oauth2_issuer", {"require_confirmation": "perhaps"}, ["require_confirmation"]),
        ("moodle_eduauth", {"action": "logout"}, ["action"]),
        ("moodle_eduauth", {"userid": "admin"}, ["userid"]),
        ("moodle_eduauth", {"act": "deleteAll"}, ["act"]),
        ("moodle_eduauth", {"data": ["x"]}, ["data"]),
        ("moodle_eduauth", {"poll_interval": "fast"}, ["poll_interval"]),
        ("moodle_eduauth", {"timeout": -1}, ["timeout"]),
        ("moodle_eduauth", {"appid": "nodots"}, ["appid"]),
        ("moodle_eduauth", {"action": "call", "act": "myData", "data": {"act": "wstoken"}, "userid": 2,
                            "app_token": "a" * 40}, ["act"]),
        ("moodle_apilogin_user", {"match_field": "phone"}, ["match_field"]),
        ("moodle_apilogin_user", {"state": "locked"}, ["state"]),
        ("moodle_apilogin_user", {"login": "maybe"}, ["login"]),
        ("moodle_apilogin_user", {"users": [{"username": "x"}]}, ["user", "users"]),
        ("moodle_apilogin_user", {"login": True}, ["user_agent"]),
        ("moodle_apilogin_user", {"stop_on_error": "no way"}, ["stop_on_error"]),
        ("moodle_apilogin_user", {"redirect": "moodle.example.edu/my/"}, ["redirect"]),
        ("moodle_apilogin_user", {"user_agent": "Mozilla\x00"}, ["user_agent"]),
        ("moodle_apilogin_user", {"users_file": "/tmp/users.csv"}, ["user", "users_file"]),
        ("moodle_apilogin_user", {"user": DELETE, "users_file": "/nonexistent/moodleops/users.csv"}, ["users_file"]),
        ("moodle_apilogin_user", {"user": DELETE, "users_file": "/"}, ["users_file"]),
        ("moodle_apilogin_user", {"user": DELETE, "users_file": "/nonexistent/users.json", "login": True,
                                  "user_agent": "Mozilla/5.0"}, ["users_file"]),
    ]
    cases = [("%s-%s-%d" % (module, sorted(args)[0], index), module, args, names)
             for index, (module, args, names) in enumerate(rows)]
    for module in MODULES:
        cases.append(("%s-unknown_option" % module, module, {"bogus_option": 1}, ["bogus_option"]))
        cases.append(("%s-misspelt_option" % module, module, {"validate_cert": False}, ["validate_cert"]))
    return cases


# DELETE as an option's value leaves out a base option; in the site description table, removes the key.
DELETE = object()

# YAML's booleans (an unquoted yes/no/on/off/true/false) and numbers where text belongs, nested too, and auth
# plugin settings checked against their control on the settings page (read before any write): (case id, module,
# options, what the message must name, what else it must say).
YAML_WORDS = "YAML read an unquoted yes/no/on/off/true/false as a boolean"
YAML_ROWS = [
    ("settings_text_off", "moodle_auth_plugin", {"name": "userkey", "settings": {"ipwhitelist": False}},
     ["settings.ipwhitelist"],
     ["Settings of auth_userkey that its settings page cannot take: settings.ipwhitelist is a text field", YAML_WORDS,
      "false, which would be written as 0", "ipwhitelist: 'off'", "Nothing was written"]),
    ("settings_text_on", "moodle_auth_plugin",
     {"name": "userkey", "settings": {"redirecturl": True, "keylifetime": 60}},
     ["settings.redirecturl"], [YAML_WORDS, "redirecturl: 'on'", "is a text field"]),
    ("settings_select_not_yes_no", "moodle_auth_plugin", {"name": "userkey", "settings": {"mappingfield": True}},
     ["settings.mappingfield"], [YAML_WORDS, "is a choice of username, email, idnumber", "mappingfield: 'username'"]),
    ("settings_two_at_once", "moodle_auth_plugin",
     {"name": "userkey", "settings": {"ipwhitelist": True, "ssourl": False}},
     ["settings.ipwhitelist", "settings.ssourl"], [YAML_WORDS]),
    ("settings_unknown_did_you_mean", "moodle_auth_plugin",
     {"name": "userkey", "settings": {"ipwhitelst": "10.0.0.0/8"}},
     ["settings.ipwhitelst"], ["Unknown settings of auth_userkey: settings.ipwhitelst (did you mean ipwhitelist?).",
                               "Valid settings: "]),
    ("settings_unknown_two", "moodle_auth_plugin",
     {"name": "userkey", "settings": {"mapingfield": "email", "shoe_size": 44}},
     ["settings.mapingfield", "settings.shoe_size"], ["settings.mapingfield (did you mean mappingfield?); "
                                                      "settings.shoe_size. Valid settings: "]),
    ("profile_country_no", "moodle_user", {"profile": {"country": False}},
     ["profile.country"], ["is the boolean false, not text", YAML_WORDS, "country: 'NO'"]),
    ("profile_city_lang", "moodle_user", {"profile": {"city": True, "lang": False}},
     ["profile.city", "profile.lang"], ["lang: 'no'"]),
    ("profile_maildisplay", "moodle_user", {"profile": {"maildisplay": True}}, ["profile.maildisplay"], [YAML_WORDS]),
    ("suboption_str", "moodle_userkey_url", {"activity": {"modname": True, "cmid": 1}},
     ["activity.modname"], [YAML_WORDS, "modname: 'on'"]),
    ("suboption_list_element", "moodle_site_info", {"managed": {"auth_plugins": ["userkey", False]}},
     ["managed.auth_plugins[1]"], [YAML_WORDS, "- 'off'"]),
    ("apilogin_user_column", "moodle_apilogin_user", {"user": {"username": "bad_input_user", "country": False}},
     ["user.country"], [YAML_WORDS, "country: 'NO'"]),
    ("apilogin_users_column", "moodle_apilogin_user",
     {"user": DELETE, "users": [{"username": "bad_input_user", "city": True}]},
     ["users[0].city"], [YAML_WORDS]),
    ("top_level_name_on", "moodle_auth_plugin", {"name": True}, ["name"], [YAML_WORDS, "name: 'on'"]),
]
# case id -> what the message must say besides the option's name
MESSAGE_SAYS = dict(("%s-yaml-%s" % (module, case), says) for case, module, _options, _names, says in YAML_ROWS)


def yaml_cases():
    return [("%s-yaml-%s" % (module, case), module, options, names)
            for case, module, options, names, _says in YAML_ROWS]


def module_cases():
    return string_cases() + connection_cases() + typed_cases() + yaml_cases()


# moodle_site applying a description (the checks that need the site: the settings page of an auth plugin): (case
# id, description, what the message must name, what else it must say). Nothing may be written.
SITE_APPLY = [
    ("auth_plugins-settings-text-yaml_false",
     {"auth_plugins": [{"name": "userkey", "settings": {"ipwhitelist": False}}]},
     ["auth_plugins[0]", "settings.ipwhitelist"], [YAML_WORDS, "ipwhitelist: 'off'"]),
    ("auth_plugins-settings-second-entry", {"auth_plugins": [
        {"name": "manual"},
        {"name": "userkey", "settings": {"iprestriction": True, "ssourl": True}}]},
     ["auth_plugins[1]", "settings.ssourl"], [YAML_WORDS, "ssourl: 'on'"]),
    ("auth_plugins-settings-unknown", {"auth_plugins": [{"name": "userkey", "settings": {"keylifetme": 60}}]},
     ["auth_plugins[0]", "settings.keylifetme"], ["did you mean keylifetime?"]),
    ("users-profile-country-yaml_false", {"users": [{"username": "bad_input_user", "firstname": "Bad",
                                                     "lastname": "Input", "email": "bad@example.edu",
                                                     "password": "Bad#Input12345", "profile": {"country": False}}]},
     ["users[0]", "profile.country"], [YAML_WORDS, "country: 'NO'"]),
]


# Site description: (case id, path of the value (a list of keys) set on a valid description, the value, the path
# the problem must name). DELETE removes the key. SITE_SAYS: what else a problem must say (by case id).
SITE = [
    ("users-username-empty", ["users", 0, "username"], "", "users[0].username"),
    ("users-username-control", ["users", 0, "username"], "ci\x07bot", "users[0].username"),
    ("users-username-too_long", ["users", 0, "username"], "u" * 101, "users[0].username"),
    ("users-username-bool", ["users", 0, "username"], True, "users[0].username"),
    ("users-email-empty", ["users", 0, "email"], "", "users[0].email"),
    ("users-email-no_at", ["users", 0, "email"], "ci-bot.example.edu", "users[0].email"),
    ("users-email-too_long", ["users", 0, "email"], "a" * 95 + "@example.edu", "users[0].email"),
    ("users-firstname-newline", ["users", 0, "firstname"], "CI\nBot", "users[0].firstname"),
    ("users-lastname-too_long", ["users", 0, "lastname"], "B" * 101, "users[0].lastname"),
    ("users-auth-unicode", ["users", 0, "auth"], "w\u00e9bservice", "users[0].auth"),
    ("users-auth-int", ["users", 0, "auth"], 5, "users[0].auth"),
    ("users-state-unknown", ["users", 0, "state"], "deleted", "users[0].state"),
    ("users-unknown_key", ["users", 0, "mail"], "x@example.edu", "users[0].mail"),
    ("users-profile-unknown", ["users", 0, "profile", "shoe_size"], "44", "users[0].profile.shoe_size"),
    ("users-not_a_list", ["users"], {"username": "ci_bot"}, "users"),
    ("roles-shortname-empty", ["roles", 0, "shortname"], "", "roles[0].shortname"),
    ("roles-shortname-space", ["roles", 0, "shortname"], "ws ci", "roles[0].shortname"),
    ("roles-shortname-unicode", ["roles", 0, "shortname"], "r\u00f4le", "roles[0].shortname"),
    ("roles-shortname-too_long", ["roles", 0, "shortname"], "r" * 101, "roles[0].shortname"),
    ("roles-shortname-bool", ["roles", 0, "shortname"], False, "roles[0].shortname"),
    ("roles-name-control", ["roles", 0, "name"], "CI\x1bweb", "roles[0].name"),
    ("roles-name-too_long", ["roles", 0, "name"], "n" * 255, "roles[0].name"),
    ("roles-capability-bad_name", ["roles", 0, "capabilities", "site config"], "allow",
     'roles[0].capabilities["site config"]'),
    ("roles-capability-bad_permission", ["roles", 0, "capabilities", "moodle/site:config"], "yes",
     'roles[0].capabilities["moodle/site:config"]'),
    ("roles-context-unknown", ["roles", 0, "context_levels"], ["galaxy"], "roles[0].context_levels[0]"),
    ("roles-users-control", ["roles", 0, "users"], ["ci\x00bot"], "roles[0].users[0]"),
    ("roles-users-bool", ["roles", 0, "users"], [True], "roles[0].users[0]"),
    ("services-name-empty", ["services", 0, "name"], "", "services[0].name"),
    ("services-name-too_long", ["services", 0, "name"], "s" * 201, "services[0].name"),
    ("services-shortname-unicode", ["services", 0, "shortname"], "ci_b\u00f6otstrap", "services[0].shortname"),
    ("services-shortname-space", ["services", 0, "shortname"], "ci bootstrap", "services[0].shortname"),
    ("services-functions-control", ["services", 0, "functions"], ["core_webservice\x07"], "services[0].functions[0]"),
    ("services-functions-upper", ["services", 0, "functions"], ["Core_User"], "services[0].functions[0]"),
    ("services-enabled-string", ["services", 0, "enabled"], "yes", "services[0].enabled"),
    ("services-unknown_key", ["services", 0, "token"], "x", "services[0].token"),
    ("tokens-user-empty", ["tokens", 0, "user"], "", "tokens[0].user"),
    ("tokens-service-control", ["tokens", 0, "service"], "ci\nbootstrap", "tokens[0].service"),
    ("tokens-ip-letters", ["tokens", 0, "ip_restriction"], "intranet only", "tokens[0].ip_restriction"),
    ("tokens-valid_until-words", ["tokens", 0, "valid_until"], "next year", "tokens[0].valid_until"),
    ("tokens-name-too_long", ["tokens", 0, "name"], "t" * 256, "tokens[0].name"),
    ("tokens-verify-string", ["tokens", 0, "verify"], "no", "tokens[0].verify"),
    ("auth_plugins-name-space", ["auth_plugins", 0, "name"], "user key", "auth_plugins[0].name"),
    ("auth_plugins-name-upper", ["auth_plugins", 0, "name"], "UserKey", "auth_plugins[0].name"),
    ("auth_plugins-name-empty", ["auth_plugins", 0, "name"], "", "auth_plugins[0].name"),
    ("auth_plugins-position-zero", ["auth_plugins", 0, "position"], 0, "auth_plugins[0].position"),
    ("auth_plugins-settings-list", ["auth_plugins", 0, "settings"], ["x"], "auth_plugins[0].settings"),
    ("auth_plugins-name-yaml_true", ["auth_plugins", 0, "name"], True, "auth_plugins[0].name"),
    ("users-profile-country-yaml_false", ["users", 0, "profile", "country"], False, "users[0].profile.country"),
    ("users-profile-lang-yaml_false", ["users", 0, "profile", "lang"], False, "users[0].profile.lang"),
    ("users-idnumber-number", ["users", 0, "idnumber"], 12345, "users[0].idnumber"),
    ("roles-users-yaml_false", ["roles", 0, "users"], ["ci_bot", False], "roles[0].users[1]"),
    ("apilogin-users-country-yaml_false", ["apilogin", "users", 0, "country"], False, "apilogin.users[0].country"),
    ("apilogin-users-city-yaml_true", ["apilogin", "users", 0, "city"], True, "apilogin.users[0].city"),
    ("webservices-protocols-upper", ["webservices", "protocols"], ["REST"], "webservices.protocols[0]"),
    ("webservices-protocols-empty", ["webservices", "protocols"], [""], "webservices.protocols[0]"),
    ("webservices-enabled-string", ["webservices", "enabled"], "yes", "webservices.enabled"),
    ("webservices-unknown_key", ["webservices", "rest"], True, "webservices.rest"),
    ("lti-name-empty", ["lti_platforms", 0, "name"], "", "lti_platforms[0].name"),
    ("lti-jwks-no_scheme", ["lti_platforms", 0, "jwks_url"], "sso.canvaslms.com/jwks", "lti_platforms[0].jwks_url"),
    ("lti-auth_url-ftp", ["lti_platforms", 0, "authentication_request_url"], "ftp://sso.canvaslms.com/a",
     "lti_platforms[0].authentication_request_url"),
    ("lti-token_url-no_host", ["lti_platforms", 0, "access_token_url"], "https:///token",
     "lti_platforms[0].access_token_url"),
    ("lti-client_id-control", ["lti_platforms", 0, "client_id"], "10\x0700", "lti_platforms[0].client_id"),
    ("lti-partial", ["lti_platforms", 0, "jwks_url"], DELETE, "lti_platforms[0]"),
    ("apilogin-users-unknown_column", ["apilogin", "users", 0, "shoe_size"], 44, "apilogin.users[0].shoe_size"),
    ("apilogin-match_field-unknown", ["apilogin", "match_field"], "phone", "apilogin.match_field"),
    ("unknown_section", ["courses"], [], "courses"),
]
SITE_SAYS = {
    "auth_plugins-name-yaml_true": ["YAML read this unquoted value as true", 'quote it, e.g. name: "on"'],
    "users-profile-country-yaml_false": ["YAML read this unquoted value as false", 'quote it, e.g. country: "NO"'],
    "users-profile-lang-yaml_false": ['lang: "no"'],
    "users-idnumber-number": ["YAML read this unquoted value as the number 12345", 'idnumber: "12345"'],
    "roles-users-yaml_false": ["YAML read this unquoted value as false", '- "off"'],
    "apilogin-users-country-yaml_false": ["YAML read this unquoted value as false", 'country: "NO"'],
    "apilogin-users-city-yaml_true": ["YAML read this unquoted value as true"],
}
