"""`make bench`: run every benchmark module in this folder (or those named on the command line)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    """Import each bench module and call its ``main()``; report which ones failed."""
    here = Path(__file__).parent
    modules = names or sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))
    failed = []
    for name in modules:
        print(f"\n=== bench/{name}.py ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"bench/{name}.py failed: {exc!r}", flush=True)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
