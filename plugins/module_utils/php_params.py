# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moodle's PHP-style form encoding of nested parameters: users[0][username]=bob."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def php_scalar(value):
    """What a form field holds for a Python scalar, as PHP reads it back: booleans as '1'/'0', None as ''."""
    if value is True:
        return "1"
    if value is False:
        return "0"
    if value is None:
        return ""
    return str(value)


def flatten_params(params, prefix=None):
    """Flatten dicts and lists into ordered (key, value) pairs with PHP bracket keys."""
    pairs = []
    if isinstance(params, dict):
        items = params.items()
    elif isinstance(params, (list, tuple)):
        items = enumerate(params)
    else:
        return [(prefix, php_scalar(params))]
    for key, value in items:
        name = str(key) if prefix is None else "%s[%s]" % (prefix, key)
        if isinstance(value, (dict, list, tuple)):
            if not value:
                continue
            pairs.extend(flatten_params(value, name))
        else:
            pairs.append((name, php_scalar(value)))
    return pairs
