# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sync_inbound module's action: it runs the module inside the controller's worker when the task runs on the
controller, else as its own process (plugins/plugin_utils/in_controller.py says when and why)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.entra.crosscloud.plugins.plugin_utils.in_controller import ActionModule as InController


class ActionModule(InController):
    pass
