"""``python -m tui [PATH...] [--db FILE] [--annotator NAME] [--bidi auto|on|off]``: the app."""

import sys

from annotations.cli import main

if __name__ == "__main__":
    main(["open", *sys.argv[1:]], prog_name="parallax")
