"""Unit tests import the collection as ansible_collections.entra.crosscloud (make puts the copy
on PYTHONPATH); run from a checkout, a symlinked ansible_collections tree is made instead."""

import os
import sys

_COLL = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_parts = _COLL.split(os.sep)
if _parts[-3:] != ["ansible_collections", "entra", "crosscloud"]:
    _root = os.path.join(os.environ.get("TMPDIR", "/tmp"), "entra-crosscloud-pytest-%d" % os.getuid())
    os.makedirs(os.path.join(_root, "ansible_collections", "entra"), exist_ok=True)
    _link = os.path.join(_root, "ansible_collections", "entra", "crosscloud")
    if not os.path.exists(_link):
        os.symlink(_COLL, _link)
    if _root not in sys.path:
        sys.path.insert(0, _root)
