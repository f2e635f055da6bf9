"""The SQLite store: one file, many annotators, every decision committed and undoable."""

from .db import default_db_path
from .decisions import DecisionError, UndoResult
from .errors import StoreBusy, StoreError
from .log import ChangedSpan
from .slices import SLICE_S, WriteSlices
from .store import Store, default_annotator
from .undecided import EVERYONE

__all__ = ["Store", "StoreBusy", "StoreError", "DecisionError", "UndoResult", "ChangedSpan",
           "default_db_path", "default_annotator", "EVERYONE",
           "SLICE_S", "WriteSlices"]
