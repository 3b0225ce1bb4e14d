"""Placeholder."""


def simulate(state, resource_tenant, address, application=None, accept=True):
    raise ValueError("redemption simulation not implemented yet")
