"""Fixtures for module_utils tests against the emulator."""

import pytest


@pytest.fixture
def settings_for(emulator, tmp_path):
    """settings_for('contoso', **overrides) -> auth.AuthSettings for a demo tenant's first app."""
    from ansible_collections.entra.crosscloud.plugins.module_utils import auth

    def make(name, **over):
        t = emulator.tenant(name)
        cloud = emulator.clouds[over.pop("cloud", t["cloud"])]
        kw = dict(authority_host=cloud["authority_host"], tenant_id=t["id"], scope=cloud["graph_url"] + "/.default",
                  client_id=t["client_id"], client_secret=t.get("client_secret"), verify=emulator.ca,
                  token_cache_dir=str(tmp_path / "tokens"))
        kw.update(over)
        return auth.AuthSettings(**kw)
    return make


@pytest.fixture
def client_for(emulator, settings_for):
    """client_for('contoso', **GraphClient kwargs) -> GraphClient with a recording fake sleep."""
    from ansible_collections.entra.crosscloud.plugins.module_utils import auth
    from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphClient

    def make(name, **kw):
        settings = settings_for(name)
        sleeps = []
        kw.setdefault("sleep", sleeps.append)
        client = GraphClient(emulator.clouds[emulator.tenant(name)["cloud"]]["graph_url"],
                             lambda: auth.get_access_token(settings)[0], verify=emulator.ca, **kw)
        client.sleeps = sleeps
        return client
    return make
