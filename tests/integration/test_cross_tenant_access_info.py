"""cross_tenant_access_info's export fed back through a registered variable and Jinja (the rest is proven
in-process: tests/modules/test_cross_tenant_access_info.py, whose set-up this reuses)."""

from tests.integration.helpers import play
from tests.modules.test_cross_tenant_access_info import _setup


def test_export_feeds_access_settings_back_with_no_change(run_playbook, emulator, connection):
    _setup(emulator)
    gov = emulator.tenant("tailspin_gcch")["id"]
    info = {"partner": gov, "include_external_collaboration": False}
    tasks = [{"name": "info", "entra.crosscloud.cross_tenant_access_info": info, "register": "exported"},
             {"name": "reapply", "entra.crosscloud.access_settings": {
                 "partner": gov, "partner_cloud": "usgov",
                 "b2b_collaboration_inbound": "{{ exported.partners[0].settings.b2b_collaboration_inbound }}",
                 "inbound_trust": "{{ exported.partners[0].settings.inbound_trust }}"}}]
    run = run_playbook(play(connection("contoso"), tasks))
    assert run.rc == 0, run.output
    assert len(run.task("info")["result"]["partners"]) == 1
    assert "external_collaboration" not in run.task("info")["result"]
    assert run.task("reapply")["result"]["changed"] is False
    assert emulator.counts()["graph_writes"] == 0
