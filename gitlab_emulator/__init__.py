"""A faithful emulator of the GitLab REST v4 API subset ps-triage uses, on loopback HTTP.

The bot's own code (`triage`) never imports this package; tests, `triage demo` and
`triage emulator` do.
"""

from .clock import Clock
from .faults import Faults, RateLimit
from .seed import Seed, SeedError, build_seed, load_seed
from .server import Emulator
from .store import Store

__all__ = [
    "Clock",
    "Emulator",
    "Faults",
    "RateLimit",
    "Seed",
    "SeedError",
    "Store",
    "build_seed",
    "load_seed",
]
