# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: the one place where user input is trimmed, case-folded and checked
(IDs, keywords, DNS names, https URLs), so every module treats the same input the same way.

Every function is pure. Failures raise InputError with a message that names the option, the bad
value and the fix, for the module to pass to fail_json before any request is made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid

EXAMPLE_GUID = "6ba8af09-9774-4419-98d1-7db643f0c384"
_LDH = re.compile(r"[a-z0-9-]+", re.IGNORECASE)


class InputError(ValueError):
    """Bad input; the message names the option, the bad value and the fix."""


def clean(value):
    """An option value as text without surrounding whitespace (None stays None).

    str.strip() also removes no-break and other Unicode spaces, which copying from a portal or a
    document often brings along.
    """
    return None if value is None else str(value).strip()


def normalise_id(value):
    """An ID as compared and sent: trimmed and lower-case (Graph returns GUIDs lower-case)."""
    text = clean(value)
    return None if text is None else text.lower()


def guid(option, value, what="a GUID"):
    """The GUID in `value`, trimmed and lower-case; InputError naming `option` otherwise."""
    text = normalise_id(value)
    if not is_guid(text):
        raise InputError("%s %r is not %s. Fix: give it as a GUID like %s" % (option, value, what, EXAMPLE_GUID))
    return text


def keyword(value, table):
    """table's value for a keyword given in any letter case, with surrounding whitespace; else None."""
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    for word, meaning in table.items():
        if key == word.lower():
            return meaning
    return None


def label_problem(label):
    """Why `label` is not a host name label (RFC 1035 / RFC 1123: letters, digits, hyphens), or None."""
    if not label:
        return "it has an empty label (two dots in a row, or a dot at either end)"
    if len(label) > 63:
        return "label %r is longer than 63 characters" % label
    if not _LDH.fullmatch(label):
        return "label %r may hold only letters, digits and hyphens" % label
    if label.startswith("-") or label.endswith("-"):
        return "label %r starts or ends with a hyphen" % label
    if label[:4].lower() == "xn--":
        try:
            label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return "label %r is not valid punycode" % label
    return None


def host_problem(name):
    """Why the ASCII name `name` is not a host name, or None: each label, the length, the top-level label."""
    if len(name) > 253:
        return "it is %d characters long; a domain name has at most 253" % len(name)
    labels = name.split(".")
    for label in labels:
        problem = label_problem(label)
        if problem:
            return problem
    # an all-digit last label would make 1.2.3 look like a (short-form) IPv4 address
    if labels[-1].isdigit():
        return "the top-level label %r is all digits" % labels[-1]
    return None


def to_ascii(name):
    """`name` with U-labels converted to punycode by Python's IDNA codec; UnicodeError when it cannot be."""
    try:
        name.encode("ascii")
        return name
    except UnicodeEncodeError:
        return name.encode("idna").decode("ascii")


def domain_name(option, value, wildcard=False):
    """A domain as Graph gets it: trimmed, lower-case, U-labels as punycode (xn--).

    With wildcard=True one leading '*.' is allowed. At least two labels are required: a bare
    word is far more often a typo than a top-level domain meant on purpose.
    """
    text = clean(value).lower()
    prefix = ""
    if wildcard and text.startswith("*."):
        prefix, text = "*.", text[2:]
    example = "fabrikam.com" + (" or *.fabrikam.com" if wildcard else "")
    try:
        ascii_name = to_ascii(text)
    except UnicodeError as exc:
        raise InputError("%s: %r cannot be converted to punycode (IDNA): %s. Fix: give the domain in its xn-- "
                         "(punycode) form, or check it for typos" % (option, value, exc))
    problem = host_problem(ascii_name)
    if problem is None and "." not in ascii_name:
        problem = "a domain name needs at least two labels"
    if problem is None and len(prefix + ascii_name) > 253:
        problem = "with the wildcard it is longer than 253 characters"
    if problem:
        raise InputError("%s: %r is not a domain name: %s. Fix: give names like %s" % (option, value, problem, example))
    return prefix + ascii_name


def _ip_literal(host, bracketed):
    """True when `host` is an IP address (IPv6 only inside brackets, as URLs want)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0] if bracketed else host)
    except ValueError:
        return False
    return bracketed == (address.version == 6)


def https_url(option, value):
    """`value` as an https URL with a valid host, its scheme lower-cased; InputError otherwise.

    The raw text is checked before parsing: urlsplit quietly drops tabs and newlines and strips
    leading control characters, so "https://x\\tjavascript:..." would otherwise look clean.
    """
    text = value if isinstance(value, str) else str(value)
    fix = "Fix: give an https URL like https://myapps.microsoft.com/?tenantid=TENANT_ID"
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise InputError("%s %r contains whitespace or a control character (%r); a URL has none. %s"
                             % (option, value, char, fix))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InputError("%s %r is not a valid URL: %s. %s" % (option, value, exc, fix))
    if parts.scheme.lower() != "https":
        raise InputError("%s %r must be an https URL (scheme %r). %s" % (option, value, parts.scheme or "none", fix))
    if "@" in parts.netloc:
        # user:password@ in a landing page is at best a leaked credential, at worst a disguised host
        raise InputError("%s %r carries a user name or password before the host; a redirect URL has none. %s"
                         % (option, value, fix))
    host = parts.hostname
    if not host:
        raise InputError("%s %r has no host name. %s" % (option, value, fix))
    if port == 0:
        raise InputError("%s %r: port 0 is not a port. %s" % (option, value, fix))
    bracketed = parts.netloc.startswith("[")
    if _ip_literal(host, bracketed):
        return "https" + text[len(parts.scheme):]
    if bracketed:
        # Python >= 3.11 refuses this in urlsplit already; older ones let it through
        raise InputError("%s %r is not a valid URL: %r in brackets is not an IPv6 address. %s" % (option, value, host, fix))
    problem = host_problem(host)
    if problem:
        hint = ""
        try:
            ascii_host = to_ascii(host)
            if ascii_host != host and host_problem(ascii_host) is None:
                hint = " (in punycode: %s)" % ascii_host
        except UnicodeError:
            pass
        raise InputError("%s %r has no valid host name: %s. Fix: give the host as letters, digits, hyphens and dots%s, "
                         "or an IP address" % (option, value, problem, hint))
    return "https" + text[len(parts.scheme):]
