"""The app's NLP process: pre-annotation that also does what opening an article needs, first.

In a fresh folder the app pre-annotates the seeds while the annotator opens the first one: a
second process loading spaCy beside the first made the token keys wait about 5 s. The running
process takes the opened articles on its standard input and does them before its pipelines'
batches (the real child, with the real English pipeline).
"""

from __future__ import annotations

import json
import subprocess
import sys

from annotations.importer import import_paths
from annotations.nlp.messages import Finished, Progress, TokensStored, decode
from annotations.store import Store
from annotations.tokenizers import tokenizer_name
from seeds import seed_paths


def test_the_pre_annotation_process_does_an_opened_article_first(tmp_path):
    db = tmp_path / "parallax.db"
    with Store(db, annotator="alice") as store:
        import_paths(store, seed_paths())
        english = [i for i, lang in store.articles.langs() if lang == "en"]
    child = subprocess.Popen([sys.executable, "-m", "annotations.nlp.child", "preannotate", "--db", str(db),
                              "--annotator", "alice", "--ids", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, encoding="utf-8")
    child.stdin.write("null\n")  # every article pending
    child.stdin.write(json.dumps({"opened": [english[1]]}) + "\n")
    child.stdin.flush()
    messages = []
    for line in child.stdout:
        message = decode(line)
        if message is None:
            continue
        messages.append(message)
        if isinstance(message, Finished) and message.job == "preannotate":
            child.stdin.write(json.dumps({"opened": [english[2]]}) + "\n")  # after the run: still served,
            child.stdin.close()  # until the app closes its end
    assert child.wait(timeout=120) == 0
    kinds = [(type(m).__name__, getattr(m, "job", "")) for m in messages]
    first_tokens = next(i for i, m in enumerate(messages) if isinstance(m, TokensStored))
    assert messages[first_tokens].article_ids == (english[1],)
    batches = [i for i, m in enumerate(messages) if isinstance(m, Progress) and m.done > 0]
    assert first_tokens < batches[0], kinds  # before any article was pre-annotated
    assert kinds.index(("Finished", "preannotate")) < len(kinds) - 1
    assert messages[-2:] == [TokensStored((english[2],)), Finished(1, job="opened")]
    with Store(db, annotator="alice", readonly=True) as store:
        names = {i: tokenizer_name("en") for i in english[1:3]}
        assert store.tokens.tokenized_ids(names, names) == set(english[1:3])
        # and the whole run was done (Arabic has no pipeline: memory only, every start)
        assert {lang for i, lang in store.articles.langs(store.library.unannotated_ids())} == {"ar"}
