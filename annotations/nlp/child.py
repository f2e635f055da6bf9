"""The app's NLP jobs, run in a child process so that spaCy never lives in the app.

    python -m annotations.nlp.child preannotate --db FILE --annotator NAME [--ids -]
    python -m annotations.nlp.child opened --db FILE --annotator NAME --ids -
    python -m annotations.nlp.child train --db FILE --annotator NAME --lang L [--base B] [--dev F]
        [--seed N] [--max-steps N] [--curve]

``--ids -`` reads the article ids from standard input, as one JSON list on its first line: a
big import hands pre-annotation 30,000 ids, too many for a command line (``Argument list too
long``). A ``preannotate`` job reads more lines after it, until standard input closes: each
``{"opened": [ids]}`` asks for what ``opened`` does, and is done first, between two batches
(before the first pipeline loads, for a request that came early): the first article opened in
a fresh folder gets its tokens from the process already running, instead of a second one
loading spaCy beside it.

``preannotate`` suggests entities in the given (or every pending) article; ``opened``
does what opening articles in the reader needs: their token boundaries (stored for
the token cursor, :mod:`annotations.store.tokens`) and their annotation-memory
suggestions. Importing spaCy and a pipeline costs the app ~2 s and 60-3,000 MB;
here it costs a process that ends with the job.

``train`` trains a language's model on the gold of done articles (:mod:`.train`), scores it and
keeps it, and when it is adopted re-suggests the articles nobody has marked done; with
``--curve`` it trains on 25, 50, 75 and 100% of the train articles and keeps nothing.

The child reports on stdout, one typed message a line (:mod:`.messages`): Progress,
TokensStored, MemoryAdded, TrainProgress, Warned, Trained, Resuggested, then Finished; a job that
fails says Failed (and exits with status 1), never Finished. A job asked to stop (SIGTERM, Ctrl-C)
says Finished with ``stopped``; a training stopped keeps nothing. A job stops between two batches
(or training steps) when its parent has gone (the app was killed); every batch is one transaction,
so a kill at any moment is safe too.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable

from ..errors import ParallaxError
from . import Stopped
from .messages import (
    ChildMessage,
    Failed,
    Finished,
    MemoryAdded,
    Progress,
    Resuggested,
    TokensStored,
    Trained,
    TrainProgress,
    Warned,
    encode,
)

CURVE = (0.25, 0.5, 0.75, 1.0)


def say(message: ChildMessage) -> None:
    print(encode(message), flush=True)


def _orphaned(parent: int) -> Callable[[], bool]:
    """True once the process that started this one has gone (its children are re-parented)."""
    return lambda: os.getppid() != parent


class OpenedRequests:
    """``{"opened": [ids]}`` lines of standard input, read in a thread as they come; None at its end."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[list[int] | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            try:
                ids = json.loads(line).get("opened")
            except (ValueError, AttributeError):
                continue  # not a request
            if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
                self.queue.put(ids)
        self.queue.put(None)

    def waiting(self) -> list[int] | None:
        """The ids asked for since the last call (in order, once each), [] for none; None once
        standard input has closed and every request was taken."""
        ids: dict[int, None] = {}
        while True:
            try:
                got = self.queue.get_nowait()
            except queue.Empty:
                return list(ids)
            if got is None:
                self.queue.put(None)  # stays ended
                return list(ids) or None
            ids.update(dict.fromkeys(got))


def run_preannotate(db: str, annotator: str, ids: list[int] | None, stop: Callable[[], bool],
                    requests: OpenedRequests | None = None) -> None:
    """Pre-annotate; articles opened meanwhile (``requests``) are served first, between batches,
    and after the run until standard input closes."""
    from .preannotate import preannotate

    def progress(done: int, total: int, message: str = "") -> None:
        say(Progress(done, total, message))

    def between() -> bool:
        if requests is not None and (opened := requests.waiting()):
            serve_opened(db, annotator, opened, stop)
        return stop()

    report = preannotate(db, annotator=annotator, article_ids=ids, should_stop=between, on_progress=progress)
    say(Finished(report.articles, report.stopped, tuple(report.warnings), job="preannotate"))
    while requests is not None and not stop():
        opened = requests.waiting()
        if opened is None:
            return
        if opened:
            serve_opened(db, annotator, opened, stop)
        else:
            threading.Event().wait(0.02)


def serve_opened(db: str, annotator: str, ids: list[int], stop: Callable[[], bool]) -> None:
    """An "opened" request inside another job: its failure is its own, the job goes on."""
    try:
        run_opened(db, annotator, ids, stop)
    except Exception as exc:
        say(Failed(f"{type(exc).__name__}: {exc}", job="opened"))


def run_opened(db: str, annotator: str, ids: list[int], stop: Callable[[], bool]) -> None:
    """Tokens (when missing or stale) and memory suggestions for articles just opened."""
    from ..store import Store
    from ..tokenizers import token_offsets, tokenizer_name
    from .memory import MemoryIndex, memory_forms, memory_suggestions

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
    say(Finished(len(langs), job="opened"))


def run_train(db: str, annotator: str, args: argparse.Namespace, stop: Callable[[], bool]) -> None:
    """Train (or, with ``--curve``, measure) a language's model; re-suggest when it is adopted."""
    from .train import TrainRequest, train
    from .train_config import TrainSettings

    def report(kind: str, data: dict) -> None:
        if kind == "step":
            say(TrainProgress(data["step"], data["max_steps"], data["loss"], data["f1"]))
        elif kind == "stage":
            say(TrainProgress(detail=data["text"]))
        elif kind == "warning":
            say(Warned(data["text"]))

    settings = TrainSettings(seed=args.seed)
    if args.max_steps is not None:
        settings.max_steps = args.max_steps
        settings.patience = min(settings.patience, args.max_steps)
        settings.eval_frequency = max(1, min(settings.eval_frequency, args.max_steps // 4 or 1))
    request = TrainRequest(args.lang, base=args.base, dev=args.dev, settings=settings)
    if args.curve:
        for share in CURVE:
            say(TrainProgress(detail=f"training on {share:.0%} of the train articles"))
            say(Trained(train(db, request, report, stop, register=False, share=share)))
        say(Finished(0))
        return
    result = train(db, request, report, stop)
    say(Trained(result))
    if result.get("resuggest"):
        resuggest(db, annotator, result, stop)
    say(Finished(result["train_articles"] + result["dev_articles"]))


def resuggest(db: str, annotator: str, result: dict, stop: Callable[[], bool]) -> None:
    """The adopted model's suggestions in the articles of its language nobody has marked done."""
    from ..store import Store, models_dir
    from .pipelines import base_lang
    from .preannotate import preannotate

    lang, name = result["lang"], result["name"]
    with Store(db, annotator=annotator) as store:
        done = store.corpus.done_layers()
        ids = [i for i, article_lang in store.articles.langs() if base_lang(article_lang) == lang
               and i not in done]
    if not ids:
        return
    say(TrainProgress(detail=f"re-suggesting {len(ids)} article(s) with {name}"))

    def progress(done_: int, total: int, message: str = "") -> None:
        say(Progress(done_, total, f"re-suggesting with {name}"))

    path = str(models_dir(db) / name)
    pre = preannotate(db, annotator=annotator, models={lang: path}, article_ids=ids,
                      memory=False, should_stop=stop, on_progress=progress)
    say(Resuggested(tuple(pre.resuggested)))
    say(TrainProgress(detail=f"scoring {len(ids)} article(s) for the library's most useful next order"))
    score_for_library(db, lang, name, path, stop)


def score_for_library(db: str, lang: str, name: str, path: str, stop: Callable[[], bool]) -> None:
    """How unsure the adopted model is about each article of its language nobody has marked done
    (:mod:`.uncertainty`): the library's "most useful next" order. Written once all are scored."""
    from ..store import Store
    from .pipelines import base_lang
    from .uncertainty import uncertainty

    with Store(db) as store:
        done = store.corpus.done_layers()
        mine = [i for i, article_lang in store.articles.langs() if base_lang(article_lang) == lang]
        texts = store.articles.texts([i for i in mine if i not in done])
        scheme = store.labels.names()
        scores = uncertainty(lang, path, texts, lambda label: store.config.map_label(label, scheme))
        if not stop():
            store.models.score_articles(name, scores, mine)


def read_ids(given: str | None) -> list[int] | None:
    """The ids of ``--ids``: None when not given (every pending article), from the first line of
    stdin with ``-`` (``null`` there: every pending article too)."""
    if given is None:
        return None
    if given == "-":
        ids = json.loads(sys.stdin.readline() or "null")
        if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)):
            raise SystemExit("--ids -: the first line of standard input must be one JSON list of "
                             "article ids (or null: every article pending)")
        return ids
    return [int(i) for i in given.split(",") if i]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotations.nlp.child", description=__doc__)
    parser.add_argument("job", choices=["preannotate", "opened", "train"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--annotator", required=True)
    parser.add_argument("--ids", default=None,
                        help="comma-separated article ids, or - to read a JSON list of them from stdin")
    parser.add_argument("--lang", default="en", help="train: the language")
    parser.add_argument("--base", default=None, help="train: the pipeline to fine-tune, or blank")
    parser.add_argument("--dev", type=float, default=0.2, help="train: share of new done articles for dev")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--background", action="store_true",
                        help="run at a lower priority: the app's keys come first")
    parser.add_argument("--curve", action="store_true", help="train: 25/50/75/100%% of the gold; keep none")
    args = parser.parse_args(argv)
    ids = read_ids(args.ids)
    if args.background:
        os.nice(10)
    stop = _orphaned(os.getppid())
    for sig in (signal.SIGTERM, signal.SIGHUP):  # the app quitting, its terminal closed: end in order
        signal.signal(sig, _stopped)
    try:
        if args.job == "preannotate":
            requests = OpenedRequests(sys.stdin) if args.ids == "-" else None
            run_preannotate(args.db, args.annotator, ids, stop, requests)
        elif args.job == "train":
            run_train(args.db, args.annotator, args, stop)
        else:
            run_opened(args.db, args.annotator, ids or [], stop)
    except (KeyboardInterrupt, Stopped):
        say(Finished(0, stopped=True))
        return 130
    except ParallaxError as exc:  # a message for the user, as it is
        say(Failed(str(exc), job=args.job))
        return 1
    except Exception as exc:  # reported to the app's status bar; the app goes on
        say(Failed(f"{type(exc).__name__}: {exc}", job=args.job))
        return 1
    return 0


def _stopped(signum: int, frame: object) -> None:
    """Stop once: a second signal (the app's SIGTERM, then its terminal's SIGHUP) must not
    interrupt the clean-up the first one started."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped


if __name__ == "__main__":
    sys.exit(main())
