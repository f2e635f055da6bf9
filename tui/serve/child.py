"""One browser tab's app: ``parallax open ARGS`` that ends when the server that started it ends.

textual-serve talks to each app over pipes; if the server is killed (kill -9, out of
memory), nothing tells the app, which would run on, unreachable, holding the
database open. Here a daemon thread watches the parent and, once it is gone, sends
the app SIGTERM: Parallax's hang-up path (the session saved, then exit). An app that
wrote to the dead server first may be stuck on the broken pipe, so the process ends
anyway GRACE_S later: every decision was committed as it was made.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from tui.cli import main as parallax

WATCH_S = 0.5
GRACE_S = 3.0


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    os._exit(0)


def main(args: list[str]) -> None:
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="watch-server").start()
    parallax(args=["open", *args], prog_name="parallax")


if __name__ == "__main__":
    main(sys.argv[1:])
