"""Child-process entry point: ``worker.py module.function '{"kwarg": ...}'`` prints a JSON result.

Figures that measure start-up time or peak memory run here, one fresh
interpreter per run, so earlier work in the parent cannot skew them.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parents[1])]


def main() -> None:
    task, kwargs = sys.argv[1], json.loads(sys.argv[2])
    module, _, function = task.rpartition(".")
    result = getattr(importlib.import_module(module), function)(**kwargs)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
