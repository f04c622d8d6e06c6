"""The admin settings tree the simulator knows: sections, settings, their HTML names and defaults.

Names, types and defaults follow the recorded 4.5.6 pages (fixtures 029, 036, 082, 121, 133)."""
from . import userdata  # countries / timezones of the enrol_lti settings (data module)


class Setting(object):
    def __init__(self, component, name, kind, label, default, options=None, description=""):
        self.component = component          # "" for core
        self.name = name
        self.kind = kind                    # checkbox | select | text | textarea
        self.label = label
        self.default = default              # string, or None (= no stored default)
        self.options = options or []        # [(value, label)]
        self.description = description

    @property
    def fullname(self):
        return "s_%s_%s" % (self.component, self.name)

    @property
    def cfg_component(self):
        return self.component or "core"

    @property
    def shortname_text(self):
        return "%s | %s" % (self.component, self.name) if self.component else self.name


class Section(object):
    def __init__(self, name, title, settings, kind="settings", parents=("Administration",), until=None):
        self.name = name
        self.until = until                  # last release that has it ("4.5": gone in 5.1, 5.1.3 353)
        self.title = title
        self.settings = settings
        self.kind = kind                    # settings | protocols | services | manageauths
        self.parents = parents


def _cb(component, name, label, default, description=""):
    return Setting(component, name, "checkbox", label, default, description=description)


def _since(release, settings):
    """Settings that exist only from that Moodle release on (5.1.3 121: s__enableforgotpasswordrecaptcha)."""
    for s in settings:
        s.since = release
    return settings


YESNO = [("0", "No"), ("1", "Yes")]
LOCK = [("unlocked", "Unlocked"), ("unlockedifempty", "Unlocked if empty"), ("locked", "Locked")]

OPTIONAL_SUBSYSTEMS = [
    _cb("", "enableoutcomes", "Enable outcomes", "0", "Grade items may use outcome scales."),
    _cb("", "usecomments", "Enable comments", "1", "Allow comments."),
    _cb("", "usetags", "Enable tags functionality", "1", "Tags across the site."),
    _cb("", "enablenotes", "Enable notes", "1", "Notes about users."),
    _cb("", "enableportfolios", "Enable portfolios", "0", "Export to portfolios."),
    _cb("", "enablewebservices", "Enable web services", "0",
        "Lets other systems, such as the mobile app, log in and call functions of this site."),
    _cb("", "enablestats", "Enable statistics", "0", "Statistics processing."),
    _cb("", "enablerssfeeds", "Enable RSS feeds", "0", "RSS feeds across the site."),
    _cb("", "enableblogs", "Enable blogs", "1", "A blog for every user."),
    Setting("", "mnet_dispatcher_mode", "select", "Networking", "off", [("off", "Off"), ("strict", "On")],
            "Communication with other servers."),
    _cb("", "enablecompletion", "Enable completion tracking", "1"),
    _cb("", "enableavailability", "Enable restricted access", "1"),
    _cb("", "enableplagiarism", "Enable plagiarism plugins", "0"),
    _cb("", "enablebadges", "Enable badges", "1"),
    _cb("", "enableglobalsearch", "Enable global search", "0"),
    _cb("", "allowstealth", "Allow stealth activities", "0"),
    _cb("", "enableanalytics", "Analytics", "1"),
    _cb("core_competency", "enabled", "Enable competencies", "1"),
    _cb("", "messaging", "Enable messaging system", "1"),
    _cb("", "enablecustomreports", "Enable custom reports", "1"),
    _cb("", "allowemojipicker", "Emoji picker", "1"),
    _cb("", "enableaccessibilitytools", "Enable accessibility tools", "1"),
    _cb("", "enablemobilewebservice", "Enable web services for mobile devices", "0",
        "Lets the official mobile app use this site."),
    _cb("tool_moodlenet", "enablemoodlenet", "Enable MoodleNet integration (inbound)", "1"),
]

MOBILE_SETTINGS = [
    Setting("tool_mobile", "apppolicy", "text", "App policy URL", "", description="Policy URL shown in the app."),
]

PROTOCOL_SETTINGS = [
    _cb("", "enablewsdocumentation", "Web services documentation", "0", "Generated documentation of the enabled protocols."),
]

MANAGEAUTHS_SETTINGS = [
    Setting("", "registerauth", "select", "Self registration", "", [("", "Disable"), ("email", "Email-based self-registration")]),
    _cb("", "authloginviaemail", "Allow log in via email", "0"),
    _cb("", "allowaccountssameemail", "Allow accounts with same email", "0"),
    _cb("", "authpreventaccountcreation", "Prevent account creation when authenticating", "0"),
    _cb("", "loginpageautofocus", "Autofocus login page form", "0"),
    Setting("", "guestloginbutton", "select", "Guest login button", "1", [("0", "Hide"), ("1", "Show")]),
    Setting("", "limitconcurrentlogins", "select", "Limit concurrent logins", "0",
            [("0", "Unlimited")] + [(v, v) for v in ("1", "2", "3", "4", "5", "10", "20", "50")]),
    Setting("", "alternateloginurl", "text", "Alternate login URL", ""),
    _cb("", "showloginform", "Show login form", "1"),
    Setting("", "forgottenpasswordurl", "text", "Forgotten password URL", ""),
    Setting("", "auth_instructions", "textarea", "Instructions", ""),
    Setting("", "allowemailaddresses", "text", "Allowed email domains", ""),
    Setting("", "denyemailaddresses", "text", "Denied email domains", ""),
    _cb("", "verifychangedemail", "Restrict domains when changing email", "1"),
    Setting("", "enableloginrecaptcha", "select", "Enable reCAPTCHA on login page", "0", YESNO),
] + _since("5.1", [
    _cb("", "enableforgotpasswordrecaptcha", "Enable reCAPTCHA for forgot password", "0"),     # 5.1.3 121
]) + [
    Setting("", "recaptchapublickey", "text", "reCAPTCHA site key", ""),
    Setting("", "recaptchaprivatekey", "text", "reCAPTCHA secret key", ""),
    Setting("", "loginpasswordtoggle", "select", "Password visibility toggle", "2",
            [("0", "Disabled"), ("1", "Enabled"), ("2", "Enabled on small screens only")]),
]

USERKEY_LOCK_FIELDS = [
    ("firstname", "First name"), ("lastname", "Last name"), ("email", "Email address"), ("city", "City/town"),
    ("country", "Country"), ("lang", "Language"), ("description", "Description"), ("idnumber", "ID number"),
    ("institution", "Institution"), ("department", "Department"), ("phone1", "Phone"), ("phone2", "Mobile phone"),
    ("address", "Address"), ("firstnamephonetic", "First name - phonetic"),
    ("lastnamephonetic", "Last name - phonetic"), ("middlename", "Middle name"), ("alternatename", "Alternate name"),
]

USERKEY_SETTINGS = [
    Setting("auth_userkey", "mappingfield", "select", "Mapping field", None,
            [("username", "Username"), ("email", "Email address"), ("idnumber", "ID number")],
            "User field used to find the user."),
    Setting("auth_userkey", "keylifetime", "text", "User key life time", "60"),
    Setting("auth_userkey", "iprestriction", "select", "IP restriction", "0", YESNO),
    Setting("auth_userkey", "ipwhitelist", "text", "Whitelist IP ranges", ""),
    Setting("auth_userkey", "redirecturl", "text", "Logout redirect URL", ""),
    Setting("auth_userkey", "ssourl", "text", "URL of SSO host", ""),
    Setting("auth_userkey", "createuser", "select", "Create user?", "0", YESNO),
    Setting("auth_userkey", "updateuser", "select", "Update user?", "0", YESNO),
] + [Setting("auth_userkey", "field_lock_" + f, "select", "Lock value (%s)" % label, "unlocked", LOCK)
     for f, label in USERKEY_LOCK_FIELDS]


def _needs(extension, settings):
    """Settings that exist in the admin tree only when a PHP extension is loaded (auth_cas: ldap, 353 vs 365)."""
    for s in settings:
        s.requires = extension
    return settings


def in_release(moodle, item):
    """Whether a setting or section exists in the emulated release (``since`` / ``until`` = last release)."""
    since, until = getattr(item, "since", None), getattr(item, "until", None)
    if since == "5.1" and not moodle.is51:
        return False
    return not (until == "4.5" and moodle.is51)


def available(state, setting):
    if not in_release(state.moodle, setting):
        return False
    ext = getattr(setting, "requires", None)
    return not ext or bool(getattr(state, "php_extensions", {}).get(ext))


YESNO_SELECT = YESNO
LDAP_USER_TYPES = [("edir", "Novell Edirectory"), ("rfc2307", "posixAccount (rfc2307)"),
                   ("rfc2307bis", "posixAccount (rfc2307bis)"), ("samba", "sambaSamAccount (v.3.0.7)"),
                   ("ad", "MS ActiveDirectory"), ("default", "Default")]
LDAP_DEREF = [("0", "No"), ("3", "Yes")]
LDAP_REMOVEUSER = [("0", "Keep internal"), ("1", "Suspend internal"), ("2", "Full delete internal")]


def _int(setting):
    """A PARAM_INT text setting: an empty value is stored as 0 (359: auth_cas port '' -> 0)."""
    setting.paramtype = "int"
    return setting


# The defaults are those the "New settings" page (upgradesettings.php, 358) prefills; nothing of these is stored at
# install (no PHP ldap then), so with the extension they are pending until that page is saved (359).
CAS_SERVER_SETTINGS = _needs("ldap", [
    Setting("auth_cas", "auth_name", "text", "Authentication method name", "CAS"),
    Setting("auth_cas", "auth_logo", "storedfile", "Authentication method logo", ""),
    Setting("auth_cas", "hostname", "text", "Hostname", ""),
    Setting("auth_cas", "baseuri", "text", "Base URI", ""),
    _int(Setting("auth_cas", "port", "text", "Port", "")),
    Setting("auth_cas", "casversion", "select", "CAS protocol version", "2.0",
            [("1.0", "CAS 1.0"), ("2.0", "CAS 2.0")]),       # 3.0 only through cfg.php (f24)
    Setting("auth_cas", "language", "select", "Language", "CAS_Languages_English",
            [("CAS_Languages_" + language, language) for language in (
                "English", "French", "Greek", "German", "Japanese", "Spanish", "Catalan", "ChineseSimplified",
                "Galego", "Portuguese")]),
    Setting("auth_cas", "proxycas", "select", "Proxy mode", "0", YESNO),
    Setting("auth_cas", "logoutcas", "select", "CAS logout option", "0", YESNO),
    Setting("auth_cas", "multiauth", "select", "Multi-authentication", "0", YESNO),
    Setting("auth_cas", "certificate_check", "select", "Server validation", "0", YESNO),
    Setting("auth_cas", "certificate_path", "text", "Certificate path", ""),
    Setting("auth_cas", "curl_ssl_version", "select", "cURL SSL Version", "",
            [("", "Default"), ("1", "TLSv1.x"), ("4", "TLSv1.0"), ("5", "TLSv1.1"), ("6", "TLSv1.2"),
             ("2", "SSLv2"), ("3", "SSLv3")]),
    Setting("auth_cas", "logout_return_url", "text", "Alternative logout return URL", ""),
    Setting("auth_cas", "host_url", "text", "Host URL", ""),
    Setting("auth_cas", "ldap_version", "select", "Version", "3", [("2", "2"), ("3", "3")]),
    Setting("auth_cas", "start_tls", "select", "Use TLS", "0", YESNO),
    Setting("auth_cas", "ldapencoding", "text", "LDAP encoding", "utf-8"),
    _int(Setting("auth_cas", "pagesize", "text", "Page size", "250")),
    Setting("auth_cas", "bind_dn", "text", "Distinguished name", ""),
    Setting("auth_cas", "bind_pw", "password", "Password", ""),
    Setting("auth_cas", "user_type", "select", "User type", "default", LDAP_USER_TYPES),
    Setting("auth_cas", "contexts", "text", "Contexts", ""),
    Setting("auth_cas", "search_sub", "select", "Search subcontexts", "0", YESNO),
    Setting("auth_cas", "opt_deref", "select", "Dereference aliases", "0", LDAP_DEREF),
    Setting("auth_cas", "user_attribute", "text", "User attribute", ""),
    Setting("auth_cas", "memberattribute", "text", "Member attribute", ""),
    Setting("auth_cas", "memberattribute_isdn", "select", "Member attribute uses dn", "0", YESNO),
    Setting("auth_cas", "objectclass", "text", "Object class", ""),
    Setting("auth_cas", "attrcreators", "text", "Attribute creators", ""),
    Setting("auth_cas", "groupecreators", "text", "Group creators", ""),
    Setting("auth_cas", "removeuser", "select", "Removed ext user", "0", LDAP_REMOVEUSER),
])
CAS_FIELD_SETTINGS = []
for _f, _label in USERKEY_LOCK_FIELDS:
    CAS_FIELD_SETTINGS += [
        Setting("auth_cas", "field_map_" + _f, "text", "Data mapping (%s)" % _label, ""),
        Setting("auth_cas", "field_updatelocal_" + _f, "select", "Update local (%s)" % _label, "oncreate",
                [("oncreate", "On creation"), ("onlogin", "On every login")]),
        Setting("auth_cas", "field_updateremote_" + _f, "select", "Update external (%s)" % _label, "0",
                [("0", "Never"), ("1", "On update")]),
        Setting("auth_cas", "field_lock_" + _f, "select", "Lock value (%s)" % _label, "unlocked", LOCK),
    ]
CAS_SETTINGS = CAS_SERVER_SETTINGS + CAS_FIELD_SETTINGS
for _s in CAS_SETTINGS:
    _s.until = "4.5"                # auth_cas is not in 5.1 core (5.1.3 353)

# auth_ldap / enrol_ldap: only the settings the "New settings" page lists with php-ldap (358), with its defaults;
# without the extension their pages only warn (the data-mapping and role-mapping settings are not modelled).
AUTH_LDAP_SETTINGS = _needs("ldap", [
    Setting("auth_ldap", "host_url", "text", "Host URL", ""),
    Setting("auth_ldap", "ldap_version", "select", "Version", "3", [("2", "2"), ("3", "3")]),
    Setting("auth_ldap", "start_tls", "select", "Use TLS", "0", YESNO),
    Setting("auth_ldap", "ldapencoding", "text", "LDAP encoding", "utf-8"),
    _int(Setting("auth_ldap", "pagesize", "text", "Page size", "250")),
    Setting("auth_ldap", "preventpassindb", "select", "Prevent password caching", "0", YESNO),
    Setting("auth_ldap", "bind_dn", "text", "Distinguished name", ""),
    Setting("auth_ldap", "bind_pw", "password", "Password", ""),
    Setting("auth_ldap", "user_type", "select", "User type", "default", LDAP_USER_TYPES),
    Setting("auth_ldap", "contexts", "text", "Contexts", ""),
    Setting("auth_ldap", "search_sub", "select", "Search subcontexts", "0", YESNO),
    Setting("auth_ldap", "opt_deref", "select", "Dereference aliases", "0", LDAP_DEREF),
    Setting("auth_ldap", "user_attribute", "text", "User attribute", ""),
    Setting("auth_ldap", "suspended_attribute", "text", "Suspended attribute", ""),
    Setting("auth_ldap", "memberattribute", "text", "Member attribute", ""),
    Setting("auth_ldap", "memberattribute_isdn", "select", "Member attribute uses dn", "0", YESNO),
    Setting("auth_ldap", "objectclass", "text", "Object class", ""),
    Setting("auth_ldap", "forcechangepassword", "select", "Force change password", "0", YESNO),
    Setting("auth_ldap", "stdchangepassword", "select", "Use standard page for changing password", "0", YESNO),
    Setting("auth_ldap", "passtype", "select", "Password format", "plaintext",
            [("plaintext", "Plain text"), ("md5", "MD5 hash"), ("sha1", "SHA-1 hash")]),
    Setting("auth_ldap", "changepasswordurl", "text", "Password-change URL", ""),
    Setting("auth_ldap", "expiration", "select", "Expiry", "0", [("0", "No"), ("1", "LDAP server")]),
    Setting("auth_ldap", "expiration_warning", "text", "Expiry warning", ""),
    Setting("auth_ldap", "expireattr", "text", "Expiry attribute", ""),
    Setting("auth_ldap", "gracelogins", "select", "Grace logins", "0", YESNO),
    Setting("auth_ldap", "graceattr", "text", "Grace login attribute", ""),
    Setting("auth_ldap", "auth_user_create", "select", "Create users externally", "0", YESNO),
    Setting("auth_ldap", "create_context", "text", "Context for new users", ""),
    Setting("auth_ldap", "managercontext", "text", "Manager context", ""),
    Setting("auth_ldap", "coursecreatorcontext", "text", "Course creator context", ""),
    Setting("auth_ldap", "ws_cicontext", "text", "CI web service context", ""),
    Setting("auth_ldap", "removeuser", "select", "Removed ext user", "0", LDAP_REMOVEUSER),
    Setting("auth_ldap", "sync_suspended", "select", "Synchronise local user suspension status", "0", YESNO),
    _int(Setting("auth_ldap", "sync_updateuserchunk", "text", "Sync update users chunk size", "1000")),
    Setting("auth_ldap", "ntlmsso_enabled", "select", "Enable", "0", YESNO),
    Setting("auth_ldap", "ntlmsso_subnet", "text", "Subnet", ""),
    Setting("auth_ldap", "ntlmsso_ie_fastpath", "select", "MS IE fast path?", "0",
            [("1", "Yes, all other browsers use standard login form"), ("2", "Yes, attempt NTLM other browsers"),
             ("0", "Attempt NTLM with all browsers")]),
    Setting("auth_ldap", "ntlmsso_type", "select", "Authentication type", "ntlm", [("ntlm", "NTLM"), ("kerberos", "Kerberos")]),
    Setting("auth_ldap", "ntlmsso_remoteuserformat", "text", "Remote username format", ""),
])

ENROL_LDAP_SETTINGS = _needs("ldap", [
    Setting("enrol_ldap", "host_url", "text", "Host URL", ""),
    Setting("enrol_ldap", "start_tls", "select", "Use TLS", "0", YESNO),
    Setting("enrol_ldap", "ldap_version", "select", "Version", "3", [("3", "3"), ("2", "2")]),
    Setting("enrol_ldap", "ldapencoding", "text", "LDAP encoding", "utf-8"),
    _int(Setting("enrol_ldap", "pagesize", "text", "Page size", "250")),
    Setting("enrol_ldap", "bind_dn", "text", "Bind user distinguished name", ""),
    Setting("enrol_ldap", "bind_pw", "password", "Password", ""),
    Setting("enrol_ldap", "course_search_sub", "select", "Search subcontexts", "0", YESNO),
    Setting("enrol_ldap", "memberattribute_isdn", "select", "Member attribute uses dn", "0", YESNO),
    Setting("enrol_ldap", "user_contexts", "text", "Contexts", ""),
    Setting("enrol_ldap", "user_search_sub", "select", "Search subcontexts", "0", YESNO),
    Setting("enrol_ldap", "user_type", "select", "User type", "default", LDAP_USER_TYPES),
    Setting("enrol_ldap", "opt_deref", "select", "Dereference aliases", "0", LDAP_DEREF),
    Setting("enrol_ldap", "idnumber_attribute", "text", "ID number attribute", ""),
    Setting("enrol_ldap", "objectclass", "text", "Object class", ""),
    Setting("enrol_ldap", "course_idnumber", "text", "ID number", ""),
    Setting("enrol_ldap", "course_shortname", "text", "Short name", ""),
    Setting("enrol_ldap", "course_fullname", "text", "Full name", ""),
    Setting("enrol_ldap", "course_summary", "text", "Summary", ""),
    _cb("enrol_ldap", "ignorehiddencourses", "Ignore hidden courses", "0"),
    Setting("enrol_ldap", "unenrolaction", "select", "External unenrol action", "0",
            [("0", "Unenrol user from course"), ("1", "Keep user enrolled"), ("2", "Disable course enrolment"),
             ("3", "Disable course enrolment and remove roles")]),
    Setting("enrol_ldap", "autocreate", "select", "Auto create", "0", YESNO),
    Setting("enrol_ldap", "category", "select", "Category", "1", [("1", "Category 1")]),     # the site's categories
    Setting("enrol_ldap", "template", "text", "Template", ""),
    Setting("enrol_ldap", "course_shortname_updateonsync", "select", "Update short name", "0", YESNO),
    Setting("enrol_ldap", "course_fullname_updateonsync", "select", "Update full name", "0", YESNO),
    Setting("enrol_ldap", "course_summary_updateonsync", "select", "Update summary", "0", YESNO),
    Setting("enrol_ldap", "nested_groups", "select", "Nested groups", "0", YESNO),
    Setting("enrol_ldap", "group_memberofattribute", "text", "'Member of' attribute", ""),
])

# Outgoing mail configuration: only s__noreplyaddress, which has no default on a site whose wwwroot host is an IP
# address, so it stays pending on a fresh site until upgradesettings.php stores what is posted (358/359).
OUTGOINGMAIL_SETTINGS = [
    Setting("", "noreplyaddress", "text", "No-reply address", None),
]

HTTPSECURITY_SETTINGS = [
    _cb("", "cookiesecure", "Secure cookies only", "1"),
    _cb("", "allowframembedding", "Allow frame embedding", "0"),
    Setting("", "curlsecurityblockedhosts", "textarea", "cURL blocked hosts list",
            "127.0.0.0/8\n192.168.0.0/16\n10.0.0.0/8\n172.16.0.0/12\n0.0.0.0\nlocalhost\n169.254.169.254\n0000::1"),
    Setting("", "curlsecurityallowedport", "textarea", "cURL allowed ports list", "443\n80"),
    Setting("", "referrerpolicy", "select", "Referrer policy", "default",
            [("default", "Default"), ("no-referrer", "no-referrer"), ("no-referrer-when-downgrade",
             "no-referrer-when-downgrade"), ("origin", "origin"), ("origin-when-cross-origin", "origin-when-cross-origin"),
             ("same-origin", "same-origin"), ("strict-origin", "strict-origin"),
             ("strict-origin-when-cross-origin", "strict-origin-when-cross-origin"), ("unsafe-url", "unsafe-url")]),
]

ENROL_LTI_SETTINGS = [
    Setting("enrol_lti", "emaildisplay", "select", "Email display", "2",
            [("0", "Hidden"), ("1", "Visible to everyone"), ("2", "Visible to course participants")]),
    Setting("enrol_lti", "city", "text", "City/town", ""),
    Setting("enrol_lti", "country", "select", "Select a country", "",
            [("", "Select a country...")] + list(userdata.COUNTRIES)),     # every country, as 378 shows
    Setting("enrol_lti", "timezone", "select", "Timezone", "99",
            [(z, z) for z in userdata.TIMEZONES] + [("99", "Server timezone (Europe/London)")]),
    Setting("enrol_lti", "lang", "select", "Language", "en", [("en", "English")]),
    Setting("enrol_lti", "institution", "text", "Institution", ""),
]

# Site security settings (f23 430 / 409); kinds: duration / filesize ([v] + [u] unit select, stored in seconds /
# bytes), multicheckbox (hidden [xxxxx] + one checkbox per option, stored comma-separated), password (passwordunmask)
DURATION_UNITS = [("604800", "weeks"), ("86400", "days"), ("3600", "hours"), ("60", "minutes"), ("1", "seconds")]
FILESIZE_UNITS = [("1073741824", "GB"), ("1048576", "MB"), ("1024", "KB"), ("1", "bytes")]
SITEPOLICIES_SETTINGS = [
    _cb("", "protectusernames", "Protect usernames", "1"),
    _cb("", "forcelogin", "Force users to log in", "0"),
    _cb("", "forceloginforprofiles", "Force users to log in for profiles", "1"),
    _cb("", "forceloginforprofileimage", "Force users to log in to view user pictures", "0"),
    _cb("", "opentowebcrawlers", "Open to search engines", "0"),
    Setting("", "allowindexing", "select", "Allow indexing by search engines", "0",
            [("0", "Everywhere except login and signup pages"), ("1", "Everywhere"), ("2", "Nowhere")]),
    Setting("", "profileroles", "multicheckbox", "Profile visible roles", "5,4,3",
            [("1", "Manager"), ("2", "Course creator"), ("3", "Teacher"), ("4", "Non-editing teacher"),
             ("5", "Student"), ("6", "Guest"), ("7", "Authenticated user"), ("8", "Authenticated user on site home")]),
    Setting("", "maxbytes", "select", "Maximum uploaded file size", "0",
            [("0", "Site upload limit (100 MB)")] + [(str(n * 1048576), "%d MB" % n) for n in (100, 50, 20, 10, 5, 2, 1)]
            + [(str(n * 1024), "%d KB" % n) for n in (500, 100, 50, 10)]),
    Setting("", "userquota", "filesize", "Private files space", "104857600", FILESIZE_UNITS),
    _cb("", "allowobjectembed", "Allow EMBED and OBJECT tags", "0"),
    _cb("", "enabletrusttext", "Enable trusted content", "0"),
    Setting("", "maxeditingtime", "select", "Maximum time to edit posts", "1800",
            [(str(m * 60), "%d minutes" % m) for m in (1, 5, 15, 30, 45, 60)]),
    _cb("", "extendedusernamechars", "Allow extended characters in usernames", "0"),
    _cb("", "keeptagnamecase", "Keep tag name casing", "1"),
    _cb("", "profilesforenrolledusersonly", "Profiles for enrolled users only", "1"),
    _cb("", "cronclionly", "Cron execution via command line only", "1"),
    Setting("", "cronremotepassword", "password", "Cron password for remote access", ""),
    _cb("tool_task", "enablerunnow", "Allow tasks to be run from the web interface", "1"),
    Setting("", "lockoutthreshold", "select", "Account lockout threshold", "0",
            [("0", "No")] + [(str(n), str(n)) for n in (3, 5, 7, 10, 20, 30, 50, 100)]),
    Setting("", "lockoutwindow", "duration", "Account lockout observation window", "1800", DURATION_UNITS),
    Setting("", "lockoutduration", "duration", "Account lockout duration", "1800", DURATION_UNITS),
    _cb("", "passwordpolicy", "Password policy", "1"),
    Setting("", "minpasswordlength", "text", "Password length", "8"),
    Setting("", "minpassworddigits", "text", "Digits", "1"),
    Setting("", "minpasswordlower", "text", "Lowercase letters", "1"),
    Setting("", "minpasswordupper", "text", "Uppercase letters", "1"),
    Setting("", "minpasswordnonalphanum", "text", "Non-alphanumeric characters", "1"),
    Setting("", "maxconsecutiveidentchars", "text", "Consecutive identical characters", "0"),
    _cb("", "passwordpolicycheckonlogin", "Check password on login", "0"),
    Setting("", "passwordreuselimit", "text", "Password rotation limit", "0"),
    Setting("", "pwresettime", "select", "Maximum time to validate password reset request", "1800",
            [(str(m * 60), "%d minutes" % m) for m in (5, 15, 30, 45, 60, 120, 240)]),
    _cb("", "passwordchangelogout", "Log out after password change", "1"),
    _cb("", "passwordchangetokendeletion", "Remove web service access tokens after password change", "0"),
    Setting("", "tokenduration", "duration", "User created token duration", "7257600", DURATION_UNITS),
    _cb("", "groupenrolmentkeypolicy", "Group enrolment key policy", "1"),
    _cb("", "disableuserimages", "Disable user profile images", "0"),
    _cb("", "emailchangeconfirmation", "Email change confirmation", "1"),
    Setting("", "rememberusername", "select", "Remember username", "2", [("1", "Yes"), ("0", "No"), ("2", "optional")]),
    _cb("", "strictformsrequired", "Strict validation of required fields", "0"),
    Setting("adminpresets", "sensiblesettings", "textarea", "Sensible settings",
            "recaptchapublickey@@none, recaptchaprivatekey@@none, googlemapkey3@@none, secretphrase@@url, "
            "cronremotepassword@@none, smtpuser@@none, smtppass@@none, proxypassword@@none, quizpassword@@quiz, "
            "allowedip@@none, blockedip@@none, dbpass@@logstore_database, messageinbound_hostpass@@none, "
            "bind_pw@@auth_cas, pass@@auth_db, bind_pw@@auth_ldap, dbpass@@enrol_database, bind_pw@@enrol_ldap, "
            "server_password@@search_solr, ssl_keypassword@@search_solr, alternateserver_password@@search_solr, "
            "alternatessl_keypassword@@search_solr, test_password@@cachestore_redis, password@@mlbackend_python, "
            "badges_badgesalt@@none, calendar_exportsalt@@none, bigbluebuttonbn_shared_secret@@none, "
            "apikey@@tiny_premium, matrixaccesstoken@@communication_matrix, api_secret@@factor_sms"),
]

SECTIONS = [
    Section("optionalsubsystems", "Advanced features", OPTIONAL_SUBSYSTEMS),
    Section("mobilesettings", "Mobile settings", MOBILE_SETTINGS, parents=("Administration", "Mobile app")),
    Section("webserviceprotocols", "Manage protocols", PROTOCOL_SETTINGS, kind="protocols",
            parents=("Administration", "Server", "Web services")),
    Section("externalservices", "External services", [], kind="services",
            parents=("Administration", "Server", "Web services")),
    Section("manageauths", "Manage authentication", MANAGEAUTHS_SETTINGS, kind="manageauths",
            parents=("Administration", "Plugins", "Authentication")),
    Section("authsettinguserkey", "User key authentication", USERKEY_SETTINGS,
            parents=("Administration", "Plugins", "Authentication")),
    Section("authsettingcas", "CAS server (SSO)", CAS_SETTINGS, kind="authcas",      # auth_cas left core in 5.0
            parents=("Administration", "Plugins", "Authentication"), until="4.5"),
    Section("authsettingldap", "LDAP server", AUTH_LDAP_SETTINGS, kind="ldap",
            parents=("Administration", "Plugins", "Authentication")),
    Section("httpsecurity", "HTTP security", HTTPSECURITY_SETTINGS, parents=("Administration", "Security")),
    Section("manageenrols", "Manage enrol plugins", [], kind="manageenrols",
            parents=("Administration", "Plugins", "Enrolments")),
    Section("enrolsettingslti", "Publish as LTI tool", ENROL_LTI_SETTINGS, kind="enrollti",
            parents=("Administration", "Plugins", "Enrolments", "Publish as LTI tool")),
    Section("enrolsettingslti_registrations", "Tool registration", [], kind="ltiregistrations",
            parents=("Administration", "Plugins", "Enrolments", "Publish as LTI tool")),
    Section("enrolsettingsldap", "LDAP enrolments", ENROL_LDAP_SETTINGS, kind="ldap",
            parents=("Administration", "Plugins", "Enrolments")),
    Section("sitepolicies", "Site security settings", SITEPOLICIES_SETTINGS, parents=("Administration", "Security")),
    Section("outgoingmailconfig", "Outgoing mail configuration", OUTGOINGMAIL_SETTINGS,
            parents=("Administration", "Server", "Email")),
]

# tool_mfa (f26): Manage multi-factor authentication and one settings page per factor (579-591, 5.1.3 512-524).
# factor_email is enabled on a fresh 5.1.3 site (524 "Default: Yes"), off on 4.5.6 (591).
MFA_FACTOR_NAMES = ("admin", "auth", "capability", "cohort", "email", "grace", "iprange", "nosetup", "role", "sms",
                    "token", "totp", "webauthn")
MFA_SETTINGS = [
    _cb("tool_mfa", "enabled", "MFA plugin enabled", "0"),
    _int(Setting("tool_mfa", "lockout", "text", "Lockout threshold", "10")),
    _cb("tool_mfa", "debugmode", "Enable debug mode", "0"),
    Setting("tool_mfa", "redir_exclusions", "textarea", "URLS which should not redirect the MFA check", ""),
    _cb("tool_mfa", "guidance", "Use guidance page", "0"),
    Setting("tool_mfa", "guidancecontent", "textarea", "Guidance page content", ""),
    Setting("tool_mfa", "guidancefiles", "storedfile", "Guidance page files", ""),
]


def _factor_settings(name):
    """s_factor_<name>_enabled and _weight, then the factor's own settings (the recorded ones; the others: Moodle's
    settings.php of the factor, enabled and weight only in the simulator)."""
    if name == "email":
        enabled = [_since("5.1", [_cb("factor_email", "enabled", "Enable factor", "1")])[0],
                   _cb("factor_email", "enabled", "Enable factor", "0")]
        enabled[1].until = "4.5"
    else:
        enabled = [_cb("factor_%s" % name, "enabled", "Enable factor", "0")]
    own = {
        "iprange": [Setting("factor_iprange", "safeips", "textarea", "Safe IP ranges", "")],
        "totp": [Setting("factor_totp", "window", "duration", "TOTP verification window", "15",
                         [("1", "seconds")]),
                 _cb("factor_totp", "totplink", "Show mobile app setup link", "1")],
        "auth": [Setting("factor_auth", "goodauth", "multicheckbox", "Factor authentication types", "")],
        "email": [Setting("factor_email", "duration", "duration", "Validity duration", "1800", DURATION_UNITS),
                  _cb("factor_email", "suspend", "Suspend unauthorised accounts", "0")],
    }.get(name, [])
    return enabled + [_int(Setting("factor_%s" % name, "weight", "text", "Factor weight", "100"))] + own


MFA_SECTIONS = [Section("managemfa", "Manage multi-factor authentication", MFA_SETTINGS, kind="managemfa",
                        parents=("Administration", "Plugins", "Admin tools", "Multi-factor authentication"))] + [
    Section("factor_%s" % name, name, _factor_settings(name), kind="mfafactor",
            parents=("Administration", "Plugins", "Admin tools", "Multi-factor authentication"))
    for name in MFA_FACTOR_NAMES]
SECTIONS += MFA_SECTIONS

SECTIONS_BY_NAME = dict((s.name, s) for s in SECTIONS)


def all_settings():
    """Every setting in admin tree order (the order admin_write_settings writes them)."""
    for section in SECTIONS:
        for setting in section.settings:
            yield section, setting


def installed(setting):
    """Whether the install stored the setting's default (reset): not when it has none, nor when it needs a PHP
    extension (the lab installs without php-ldap, so those defaults are first written by upgradesettings.php)."""
    return setting.default is not None and not getattr(setting, "requires", None)
