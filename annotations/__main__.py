"""``python -m annotations``: the same as the ``parallax`` command."""

from annotations.cli import main

if __name__ == "__main__":
    main(prog_name="parallax")
