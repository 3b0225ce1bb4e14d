# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Attributes every module documents.
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/entra.crosscloud.graph) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - entra.crosscloud.graph
'''

    # For modules that change things.
    CONFIG_MODULE = r'''
attributes:
  check_mode:
    description: Reads only and reports what would change; nothing is written.
    support: full
  diff_mode:
    description: Returns the managed settings before and after the task (C(--diff)).
    support: full
'''

    # For modules that only read.
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: The module only reads, so it runs normally in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: N/A
'''
