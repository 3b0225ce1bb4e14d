"""Small builders shared by the integration tests."""


def play(conn, tasks):
    """One play on localhost; `conn` (connection options) goes to module_defaults for the whole group."""
    p = {"name": "t", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if conn:
        p["module_defaults"] = {"group/entra.crosscloud.graph": conn}
    return [p]


def writes(emulator):
    """Graph writes the emulator has seen since its last reset."""
    return emulator.counts()["graph_writes"]
