# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: role_options
author: entra.crosscloud contributors (@entra-crosscloud)
version_added: 0.3.0
short_description: The options of several of this collection's roles, as one argument specification
description:
  - Reads C(meta/argument_specs.yml) of each named role of entra.crosscloud and returns the options of one entry
    point of each, merged into one argument specification for M(ansible.builtin.validate_argument_spec).
  - A playbook that imports several of the roles with C(rolespec_validate=false) then checks all their options with
    one task per host instead of one per role (each task costs every host a round trip through the controller).
  - Fails when a role does not exist, has no such entry point, or two roles define the same option.
  - The descriptions are left out - validation does not read them.
options:
  _terms:
    description: Role names, for example C(preflight), C(partnership), C(verify), C(guests).
    required: true
    type: list
    elements: str
  entry_point:
    description: The entry point whose options are read, in every role.
    type: str
    default: main
'''

EXAMPLES = r'''
- name: Check the options of the partnership and verify roles in one task per host
  ansible.builtin.validate_argument_spec:
    argument_spec: "{{ query('entra.crosscloud.role_options', 'partnership', 'verify') | first }}"
'''

RETURN = r'''
_raw:
  description: One argument specification (option name -> its specification), the options of all roles named.
  type: list
  elements: dict
'''

import os

import yaml

try:  # libyaml when present: this runs in every host's task
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def role_options(names, entry_point="main", roles=ROLES):
    available = sorted(n for n in os.listdir(roles) if os.path.isfile(os.path.join(roles, n, "meta", "argument_specs.yml")))
    merged, owner = {}, {}
    for name in names:
        if name not in available:
            raise AnsibleLookupError("role_options: entra.crosscloud has no role %r with an argument specification "
                                     "(roles: %s)" % (name, ", ".join(available)))
        with open(os.path.join(roles, name, "meta", "argument_specs.yml")) as f:
            specs = (yaml.load(f, Loader=Loader) or {}).get("argument_specs") or {}
        if entry_point not in specs:
            raise AnsibleLookupError("role_options: role %s has no entry point %r (it has: %s)"
                                     % (name, entry_point, ", ".join(sorted(specs))))
        for option, spec in (specs[entry_point].get("options") or {}).items():
            if option in merged:
                raise AnsibleLookupError("role_options: option %s is defined by both %s and %s"
                                         % (option, owner[option], name))
            merged[option], owner[option] = _without_descriptions(spec), name
    return merged


def _without_descriptions(spec):
    """The specification without its prose, which validation does not read (and every host would carry)."""
    out = dict((k, v) for k, v in (spec or {}).items() if k != "description")
    if isinstance(out.get("options"), dict):
        out["options"] = dict((k, _without_descriptions(v)) for k, v in out["options"].items())
    return out


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [role_options([str(t) for t in terms], self.get_option("entry_point"))]
