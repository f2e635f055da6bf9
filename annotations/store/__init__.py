"""The SQLite store: one file, many annotators, every decision committed and undoable.

This package's names are the contract the rest of Parallax uses: the :class:`Store` and its
parts, their value types and the errors. Nothing outside the store imports its modules,
``sqlite3`` or ``sqlite_utils`` (import-linter contracts in pyproject.toml).
"""

import importlib
from typing import TYPE_CHECKING

from ..errors import ParallaxError
from .bulk import BulkDecision, BulkPreview, BulkResult, BulkTarget
from .corpus import DecisionRow
from .db import default_db_path
from .decisions import SpanKey
from .entities import EntitySummary, Mention
from .errors import (
    BUSY_TIMEOUT_S,
    AlreadyRunning,
    DecisionError,
    RecordError,
    StoreBusy,
    StoreDamaged,
    StoreError,
)
from .history import ChangedSpan, UndoResult
from .layer import Layer
from .library import FIRST_PAGE, LibraryFilter, LibraryRow, Progress, fts_query
from .loading import LOCAL_KB_PREFIX
from .models import MODELS_DIR, SOURCE_PREFIX, ModelRecord, model_source, models_dir
from .review import MODEL_LAYER, REVIEW_STATES, LayerSpan, is_review_layer, review_layer
from .slices import SLICE_S, WriteSlices
from .store import Store, default_annotator
from .tokens import Token
from .undecided import EVERYONE, Suggestion, shown_to, undecided_among
from .view_forms import FormCount, ViewForms

if TYPE_CHECKING:
    from .merge import Conflict, MergeCounts, merge_source
    from .merge_files import check_merge, merge_output

# Imported when first asked for (``parallax merge``), not by every launch of the app (issue 20).
_LAZY = {"Conflict": ".merge", "MergeCounts": ".merge", "merge_source": ".merge",
         "check_merge": ".merge_files", "merge_output": ".merge_files"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "MODELS_DIR", "SOURCE_PREFIX", "AlreadyRunning", "ModelRecord", "model_source", "models_dir",
    "BUSY_TIMEOUT_S", "EVERYONE", "FIRST_PAGE", "LOCAL_KB_PREFIX", "MODEL_LAYER", "REVIEW_STATES", "SLICE_S",
    "BulkDecision", "BulkPreview", "BulkResult", "BulkTarget", "ChangedSpan", "Conflict", "DecisionError",
    "ParallaxError", "RecordError", "ViewForms",
    "DecisionRow", "EntitySummary", "FormCount", "Layer", "LayerSpan", "LibraryFilter", "LibraryRow",
    "MergeCounts", "Mention", "Progress", "SpanKey", "Store", "StoreBusy", "StoreDamaged", "StoreError",
    "Suggestion", "Token", "UndoResult", "WriteSlices", "default_annotator", "default_db_path",
    "check_merge", "fts_query", "is_review_layer", "merge_output", "merge_source", "review_layer",
    "shown_to", "undecided_among",
]
