"""`python -m gitlab_emulator SEED [--host H] [--port N]`: the same as `triage emulator`."""

from __future__ import annotations

import argparse
import sys

from .seed import SeedError, load_seed
from .server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gitlab_emulator")
    parser.add_argument("seed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        seed = load_seed(__import__("pathlib").Path(args.seed))
    except SeedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    emulator = Emulator(
        seed.store, host=args.host, port=args.port, rate_limit=seed.rate_limit, faults=seed.faults
    )
    print(f"GitLab emulator listening on {emulator.url}", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
