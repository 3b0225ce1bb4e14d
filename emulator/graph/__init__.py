"""Graph resources. Importing this package registers every route (see core.route)."""

from emulator.graph import core  # noqa: F401  (registers $batch)
from emulator.graph import conditional_access, ctap, directory, groups, licenses, sync, tenants, users  # noqa: F401
