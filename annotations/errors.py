"""Every error Parallax raises for a user to act on, under one root: :class:`ParallaxError`.

The front end and the commands catch ``ParallaxError`` (or one of these) and show its message,
which names the file (and line) where there is one, the problem, and what to do. No SQLite error
type leaves the store. The errors of one part live with it and derive from the root: the store's
(``StoreError``, ``StoreBusy``, ``StoreDamaged``, ``DecisionError``) in
:mod:`annotations.store.errors`, and ``ExportError``, ``AgreementError``, ``PipelineError``,
``PatternError``.
"""

from __future__ import annotations


class ParallaxError(Exception):
    """A problem a user can act on; the message says what and where."""


class ConfigError(ParallaxError, ValueError):
    """A configuration file that cannot be used; the message names the file and line."""
