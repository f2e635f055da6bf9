"""A Dask cluster in a process of its own, for the figures whose client must be measured alone:

    python cluster_child.py N_WORKERS

starts a LocalCluster of N single-threaded worker processes, prints its scheduler's address on
one line, and closes it when its stdin closes.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


@contextmanager
def separate_cluster(workers: int):
    """The address of a LocalCluster running in a child process (closed on leaving)."""
    proc = subprocess.Popen([sys.executable, str(BENCH_DIR / "cluster_child.py"), str(workers)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address.startswith("tcp://"):
            raise RuntimeError(f"the cluster did not start (exit {proc.wait()})")
        yield address
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=int(sys.argv[1]), threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
