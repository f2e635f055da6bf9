"""``parallax serve``: the Parallax app in a web browser, through textual-serve.

:mod:`.cli` is the command, :mod:`.access` the users and their tokens,
:mod:`.sessions` the signed-in browsers and the limits, :mod:`.server` the web
server (one real ``parallax open`` process per browser tab). Nothing here is
imported until the command runs: the terminal app never loads aiohttp.
"""
