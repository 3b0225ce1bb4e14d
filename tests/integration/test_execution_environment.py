"""The execution environment pieces, checked with ansible-builder itself (no container runtime needed):
the collection's meta/execution-environment.yml gives the Python requirements of requirements.txt,
and extensions/ee/execution-environment.yml makes a valid build context."""

import os
import subprocess
import sys

import yaml

from tests.conftest import COLLECTIONS_ROOT, REPO

BUILDER = os.path.join(os.path.dirname(sys.executable), "ansible-builder")


def requirement_lines(path):
    with open(path) as f:
        return sorted(line.split("#")[0].strip() for line in f if line.split("#")[0].strip())


def test_collection_declares_the_python_requirements_of_requirements_txt():
    out = subprocess.run([BUILDER, "introspect", COLLECTIONS_ROOT], capture_output=True, text=True, check=True).stdout
    data = yaml.safe_load(out.split("---", 1)[1])
    found = sorted(line.split("#")[0].strip() for line in data["python"] if "entra.crosscloud" in line)
    assert found == requirement_lines(os.path.join(REPO, "requirements.txt"))


def test_execution_environment_definition_builds_a_context(tmp_path):
    ctx = tmp_path / "context"
    proc = subprocess.run([BUILDER, "create", "-f", os.path.join(REPO, "extensions", "ee", "execution-environment.yml"),
                           "-c", str(ctx)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (ctx / "Dockerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "ansible-core>=2.17" in containerfile
    galaxy = yaml.safe_load((ctx / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["https://github.com/entra-crosscloud/crosscloud.git"]
