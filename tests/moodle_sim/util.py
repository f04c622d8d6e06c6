"""Small helpers shared by the page modules: PHP-style JSON, PHP bracket params, random strings."""
import json
import re
import secrets
import string

ALNUM = string.ascii_letters + string.digits


def random_string(n):
    return "".join(secrets.choice(ALNUM) for _index in range(n))


def random_hex32():
    return secrets.token_hex(16)


def php_json(obj):
    """json_encode() as PHP does it by default: compact, ASCII-only, escaped slashes."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def php_json_pretty(obj):
    return json.dumps(obj, indent=4, ensure_ascii=True).replace("/", "\\/")


_KEY_RE = re.compile(r"\[([^\]]*)\]")


def parse_php_params(pairs):
    """Turn [('users[0][username]', 'x'), ('a', 'b')] into nested dicts like PHP's $_POST.

    Lists stay dicts keyed by the (string) index, in insertion order; `x[]` appends.
    A later scalar overwrites an earlier one (PHP semantics)."""
    result = {}
    for name, value in pairs:
        i = name.find("[")
        if i <= 0 or not name.endswith("]"):
            result[name] = value
            continue
        base = name[:i]
        keys = _KEY_RE.findall(name[i:])
        if not keys or "".join("[%s]" % k for k in keys) != name[i:]:
            result[name] = value
            continue
        cur = result.get(base)
        if not isinstance(cur, dict):
            cur = {}
            result[base] = cur
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            if key == "":
                ints = [int(k) for k in cur if str(k).lstrip("-").isdigit()]
                key = str(max(ints) + 1 if ints else 0)
            if last:
                cur[key] = value
            else:
                nxt = cur.get(key)
                if not isinstance(nxt, dict):
                    nxt = {}
                    cur[key] = nxt
                cur = nxt
    return result


def clean_plugin(value):
    """PARAM_PLUGIN: frankenstyle-ish names; returns '' when invalid."""
    if not isinstance(value, str):
        return ""
    if re.match(r"^[a-z][a-z0-9_]*[a-z0-9]$", value) and "__" not in value:
        return value
    return ""


def clean_alphanumext(value):
    return re.sub(r"[^A-Za-z0-9_-]", "", value or "")
