#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: guest_info
short_description: List guests and whether they have redeemed their invitation
version_added: 0.1.0
description:
  - Lists the tenant's guests (C(userType) Guest) with their redemption state, or looks up given addresses.
  - Uses exact-match filters only, so guests invited moments ago are found (advanced queries read an
    eventually consistent index).
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  emails:
    description:
      - Look up these addresses (mail, other mails or user principal name) instead of listing all guests.
        Members are found too, so a home tenant can tell the UPN of a person known by mail.
    type: list
    elements: str
  external_user_state:
    description: Only guests in this redemption state.
    type: str
    choices: [PendingAcceptance, Accepted]
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.INFO_MODULE
'''

EXAMPLES = r'''
- name: Who has not redeemed yet?
  entra.crosscloud.guest_info:
    external_user_state: PendingAcceptance
  register: pending

- name: Look up two partner users
  entra.crosscloud.guest_info:
    emails: [jordan.ellis@tailspin-defense.us, li.wei@fabrikam.cn]
'''

RETURN = r'''
retries:
  description:
    - How many times the task re-sent a request after a transient failure (throttling, 5xx, a dropped
      connection), waited for a new object to replicate, or signed in again after Graph refused a cached token.
  returned: always
  type: int
  sample: 0
retry_log:
  description: Each retry, with the request, the reason and the wait.
  returned: at C(-vvv), when the task retried
  type: list
  elements: str
  sample: ["GET /v1.0/policies/crossTenantAccessPolicy: HTTP 503; retry 1 after 0.4 s"]
guests:
  description: The guests found.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1f0c2d1e-3b7a-4f59-9c1e-2a7d6a9b1c3d
      mail: jordan.ellis@tailspin-defense.us
      user_principal_name: jordan.ellis_tailspin-defense.us#EXT#@contoso.onmicrosoft.com
      user_type: Guest
      external_user_state: PendingAcceptance
      creation_type: Invitation
not_found:
  description: Addresses of O(emails) that no user has.
  returned: when O(emails) is given
  type: list
  elements: str
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def main():
    module = EntraModule(
        argument_spec=dict(emails=dict(type="list", elements="str"),
                           external_user_state=dict(type="str", choices=["PendingAcceptance", "Accepted"])))
    p = module.params
    for address in p["emails"] or []:
        if not gu.EMAIL_RE.match(address):
            module.fail_json(msg="emails: %r is not an email address or UPN" % address)
    client = module.client
    result = {"changed": False}
    try:
        if p["emails"]:
            found = gu.find_by_address(client, p["emails"])
            users = [u for u in found.values() if u]
            result["not_found"] = [a for a in p["emails"] if not found.get(a.lower())]
            if p["external_user_state"]:
                users = [u for u in users if u.get("externalUserState") == p["external_user_state"]]
        else:
            flt = "userType eq 'Guest'"
            if p["external_user_state"]:
                flt += " and externalUserState eq %s" % gu.odata_string(p["external_user_state"])
            users = list(client.paged("users", params={"$filter": flt, "$select": ",".join(gu.GUEST_FIELDS)},
                                      permission=gu.READ_PERMISSION))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    result["guests"] = [gu.shape(u) for u in users]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
