"""`triage emulator --seed FILE`: the GitLab API emulator in the foreground."""

from __future__ import annotations

from pathlib import Path

from gitlab_emulator import Emulator, SeedError, load_seed

from ..console import Console
from ..errors import UserError


def emulator(console: Console, seed_path: Path, host: str, port: int) -> int:
    try:
        seed = load_seed(seed_path)
    except SeedError as error:
        raise UserError(str(error)) from None
    server = Emulator(
        seed.store, host=host, port=port, rate_limit=seed.rate_limit, faults=seed.faults
    )
    console.out(f"GitLab emulator listening on {server.url}")
    console.info(
        "admin: GET /-/emulator/stats, POST /-/emulator/stats/reset, /-/emulator/clock, /-/emulator/faults"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return 130
    return 0
