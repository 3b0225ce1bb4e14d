"""Graph + Entra sign-in emulator for entra.crosscloud.

A strict stand-in for Microsoft's login and Graph hosts of several clouds, served over real
HTTPS on 127.0.0.1. Used by every test, the demo and the benchmarks; never shipped in the
collection artifact. See emulator/README.md.
"""

__version__ = "0.1.0"
