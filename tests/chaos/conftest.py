"""The chaos stage uses the integration suite's fixtures (ansible-playbook against the emulator)."""

from tests.integration.conftest import run_playbook  # noqa: F401  pylint: disable=unused-import
