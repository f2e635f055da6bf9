"""The app's NLP jobs, run in a child process so that spaCy never lives in the app.

    python -m annotations.nlp.child preannotate --db FILE --annotator NAME [--ids -]
    python -m annotations.nlp.child opened --db FILE --annotator NAME --ids -

``--ids -`` reads the article ids from standard input, as one JSON list: a big import hands
pre-annotation 30,000 ids, too many for a command line (``Argument list too long``).

``preannotate`` suggests entities in the given (or every pending) article; ``opened``
does what opening articles in the reader needs: their token boundaries (stored for
the token cursor, :mod:`annotations.store.tokens`) and their annotation-memory
suggestions. Importing spaCy and a pipeline costs the app ~2 s and 60-3,000 MB;
here it costs a process that ends with the job.

The child reports on stdout, one typed message a line (:mod:`.messages`): Progress,
TokensStored, MemoryAdded, then Finished; a job that fails says Failed (and exits with
status 1), never Finished. It stops between two batches when its parent has gone (the app
was killed); every batch is one transaction, so a kill at any moment is safe too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from .messages import ChildMessage, Failed, Finished, MemoryAdded, Progress, TokensStored, encode


def say(message: ChildMessage) -> None:
    print(encode(message), flush=True)


def _orphaned(parent: int) -> Callable[[], bool]:
    """True once the process that started this one has gone (its children are re-parented)."""
    return lambda: os.getppid() != parent


def run_preannotate(db: str, annotator: str, ids: list[int] | None, stop: Callable[[], bool]) -> None:
    from .preannotate import preannotate

    def progress(done: int, total: int, message: str = "") -> None:
        say(Progress(done, total, message))

    report = preannotate(db, annotator=annotator, article_ids=ids, should_stop=stop, on_progress=progress)
    say(Finished(report.articles, report.stopped, tuple(report.warnings)))


def run_opened(db: str, annotator: str, ids: list[int], stop: Callable[[], bool]) -> None:
    """Tokens (when missing or stale) and memory suggestions for articles just opened."""
    from ..store import Store
    from .memory import MemoryIndex, memory_forms, memory_suggestions
    from .tokens import token_offsets, tokenizer_name

    with Store(db, annotator=annotator) as store:
        langs = dict(store.articles.langs(ids))
        names = {i: tokenizer_name(lang) for i, lang in langs.items()}
        missing = [i for i in langs if i not in store.tokens.tokenized_ids(langs, names)]
        for article_id in missing:
            if stop():
                return
            text = store.articles.get(article_id).text
            store.tokens.save([(article_id, names[article_id], token_offsets(text, langs[article_id]))])
        if missing:
            say(TokensStored(tuple(missing)))
        index = MemoryIndex(memory_forms(store))
        changed = []
        for article_id in langs:
            if stop():
                return
            if memory_suggestions(store, article_id, index):
                changed.append(article_id)
        if changed:
            say(MemoryAdded(tuple(changed)))
    say(Finished(len(langs)))


def read_ids(given: str | None) -> list[int] | None:
    """The ids of ``--ids``: None when not given (every pending article), from stdin with ``-``."""
    if given is None:
        return None
    if given == "-":
        ids = json.load(sys.stdin)
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise SystemExit("--ids -: standard input must hold one JSON list of article ids")
        return ids
    return [int(i) for i in given.split(",") if i]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotations.nlp.child", description=__doc__)
    parser.add_argument("job", choices=["preannotate", "opened"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--annotator", required=True)
    parser.add_argument("--ids", default=None,
                        help="comma-separated article ids, or - to read a JSON list of them from stdin")
    args = parser.parse_args(argv)
    ids = read_ids(args.ids)
    stop = _orphaned(os.getppid())
    try:
        if args.job == "preannotate":
            run_preannotate(args.db, args.annotator, ids, stop)
        else:
            run_opened(args.db, args.annotator, ids or [], stop)
    except Exception as exc:  # reported to the app's status bar; the app goes on
        say(Failed(f"{type(exc).__name__}: {exc}"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
