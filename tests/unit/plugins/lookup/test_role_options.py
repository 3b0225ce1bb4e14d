"""The role_options lookup: several roles' options as one argument specification."""

import os

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.entra.crosscloud.plugins.lookup import role_options as lk


def _options(role):
    with open(os.path.join(lk.ROLES, role, "meta", "argument_specs.yml")) as f:
        options = yaml.safe_load(f)["argument_specs"]["main"]["options"]
    for spec in options.values():   # the lookup leaves the prose out
        spec.pop("description", None)
    return options


def test_merges_the_main_options_of_each_role_named():
    merged = lk.role_options(["preflight", "partnership", "verify", "guests"])
    expected = {}
    for role in ("preflight", "partnership", "verify", "guests"):
        expected.update(_options(role))
    assert merged == expected
    assert merged["guests_fail"]["type"] == "bool" and merged["partnership_compact"]["default"] is True
    assert not [o for o, spec in merged.items() if "description" in spec]
    # another entry point
    assert "partnership_remove" in lk.role_options(["partnership"], entry_point="remove")


def test_unknown_roles_entry_points_and_clashes_are_refused(tmp_path):
    with pytest.raises(AnsibleLookupError, match="no role 'nope'.*roles: audit, guests"):
        lk.role_options(["nope"])
    with pytest.raises(AnsibleLookupError, match="role verify has no entry point 'remove'"):
        lk.role_options(["verify"], entry_point="remove")
    for name in ("a", "b"):
        os.makedirs(str(tmp_path / name / "meta"))
        (tmp_path / name / "meta" / "argument_specs.yml").write_text(
            yaml.safe_dump({"argument_specs": {"main": {"options": {"same": {"type": "str"}}}}}))
    with pytest.raises(AnsibleLookupError, match="option same is defined by both a and b"):
        lk.role_options(["a", "b"], roles=str(tmp_path))
