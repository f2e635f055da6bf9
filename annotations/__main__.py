"""``python -m annotations``: the headless commands (import, preannotate, export, stats).

The app is the ``parallax`` command (or ``python -m tui``).
"""

from annotations.cli import main

if __name__ == "__main__":
    main(prog_name="parallax")
