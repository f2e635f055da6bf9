"""The ``parallax`` entry point: the core's headless commands plus ``open``, the app (the default).

It lives in the front end because it uses both layers; the core's own group
(:func:`annotations.cli.build_cli`) knows nothing of the app.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys

# The launch's imports (Click, the core, Textual, the app: ~600 modules) run without the cyclic
# garbage collector, and what they built is then frozen (left out of later collections): its ~150
# collections walked an ever larger heap for ~50 ms of a ~0.35 s launch (issue 20), for next to no
# garbage. The reader collects and freezes again once an article is on screen (settle_memory).
_collecting = gc.isenabled()
gc.disable()
try:
    import click

    from annotations.cli import build_cli
    from annotations.cli.common import annotator_option, db_option, fail
    from annotations.config import ConfigError
    from annotations.store import StoreError, default_db_path
    from annotations.text import display_safe

    from .app import ParallaxApp, make_app
    from .bidi import BIDI_MODES, BidiMode
finally:
    gc.freeze()
    if _collecting:
        gc.enable()


def run_app(app: ParallaxApp, **options) -> int:
    """Run the app until it exits and return its exit status (non-zero after a crash).

    ``asyncio.run`` would wait for the thread workers (pre-annotation, loading spaCy's
    tokenizers) to finish before returning, which keeps a quitting app on a blank screen for
    seconds. Here the loop is closed without joining them, so the caller can end the
    process at once: every write is one transaction, so SQLite keeps whatever a worker had
    not committed out of the file, and the work left resumes at the next start.

    The cyclic garbage collector is off until the app's first frame is on screen: its ~40
    collections between the imports and that frame cost ~5 ms of a launch (issue 20), for next
    to no garbage.
    """
    if gc.isenabled():
        gc.disable()
        app.collect_after_first_frame = True
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop, **options)
    finally:
        loop.close()  # shuts the default executor down without waiting for its threads
        app.jobs.stop()  # after a crash too: no NLP process outlives the app
        if app.collect_after_first_frame:
            gc.enable()  # also when the app ended before its first frame
    return app.return_code or 0


@click.command("open")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, readable=False))
@db_option
@annotator_option
@click.option("--bidi", type=click.Choice(BIDI_MODES), default=BidiMode.AUTO.value, show_default=True,
              help="Reorder right-to-left text for display: on, off (the terminal reorders), or auto.")
@click.option("--readonly", is_flag=True, envvar="PARALLAX_READONLY",
              help="Open the database for looking only (also PARALLAX_READONLY=1): nothing is written, "
                   "not even the session; works on a read-only file or folder. --annotator then picks "
                   "whose layer the reader shows.")
def open_cmd(paths: tuple[str, ...], db_path: str | None, annotator: str | None, bidi: str,
             readonly: bool) -> None:
    """Open the annotation app (importing PATHS first, if given).

    With an empty database and no PATHS, the bundled seed articles are
    imported and pre-annotated in the background. PATHS are imported in the
    background too (the library fills as they arrive); problems are shown in
    the status bar and printed again, as FILE:LINE: reason, when the app exits.
    Every decision is saved as it is made: quit at any time with q.
    """
    if readonly and paths:
        fail("--readonly opens a database for looking only: it cannot import PATHS; leave them out")
    try:
        app = make_app(db_path or default_db_path(), annotator=annotator, bidi=bidi, paths=paths,
                       readonly=readonly)
    except (StoreError, ConfigError) as exc:
        fail(str(exc))
    code = run_app(app)
    for key_problem in app.keymap_problems:
        click.echo(f"parallax: config: {display_safe(key_problem)}", err=True)
    for problem in app.jobs.import_problems:
        click.echo(f"parallax: import: {problem}", err=True)
    if app.unsaved:  # quit with q twice while they waited for the database
        click.echo(f"parallax: not saved ({len(app.unsaved)} decision(s) still waited for the database when "
                   f"the app was quit): {display_safe('; '.join(app.unsaved))}", err=True)
    if app.fatal_error:
        click.echo(f"parallax: error: {app.fatal_error}", err=True)
    elif code:
        click.echo("parallax: error: the app stopped on an unexpected error (shown above); every "
                   "decision shown as saved is in the database", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Background threads may still be loading spaCy or pre-annotating: end the process now
    # rather than join them (their unfinished transactions never reach the file).
    os._exit(code)


# ``parallax serve`` (aiohttp, textual-serve, tokens) is imported when it runs or --help lists it.
main = build_cli(open_cmd, lazy={"serve": ("tui.serve.cli", "serve_cmd")})
