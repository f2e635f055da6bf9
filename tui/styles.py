"""Label colours and span status styles, shared by the article view and the reader's legend.

Status is carried by text attributes (underline, bold, italic, strike, dim, reverse), so it
survives monochrome terminals and NO_COLOR; colour only adds the label.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache

from rich.style import Style
from textual.content import Content

from annotations.model import Origin, Status

DEFAULT_LABEL_COLORS: dict[str, str] = {
    "PERSON": "#ff9f43",
    "ORG": "#54a0ff",
    "GPE": "#1dd1a1",
    "LOC": "#48dbfb",
    "NORP": "#ff6b6b",
    "EVENT": "#feca57",
    "DATE": "#c8d6e5",
    "MISC": "#a29bfe",
}
CHIP_TEXT = "#101010"  # text on a label-coloured background
HIGHLIGHT_COLOR = "#f6e05e"  # same surface as the reader's current mention
GUTTER_WIDTH = 2
GUTTER_CURSOR = "▶"  # the line with the selected span or the token cursor
GUTTER_HIGHLIGHT = "»"  # a line with a highlighted mention

# (status key, legend text) in the order the legend shows them.
STATUS_KEYS: tuple[tuple[str, str], ...] = (
    ("suggested", "suggested"),
    ("suggested-known", "rule/memory"),
    ("accepted", "accepted"),
    ("corrected", "corrected"),
    ("human", "added"),
    ("rejected", "rejected"),
    ("selected", "selected"),
)


@lru_cache(maxsize=512)
def label_color(label: str) -> str:
    """The colour of a label: a fixed palette for the default scheme, a stable hash otherwise."""
    if label in DEFAULT_LABEL_COLORS:
        return DEFAULT_LABEL_COLORS[label]
    import hashlib  # here: the default labels need no hash (~1 ms of a launch to import, issue 20)

    digest = hashlib.sha1(label.encode("utf-8")).digest()
    hue = digest[0] / 255
    saturation = 0.55 + digest[1] / 255 * 0.3
    red, green, blue = colorsys.hls_to_rgb(hue, 0.68, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def status_key(status: str, origin: str) -> str:
    """How a span is drawn: its status, with human-made and rules/memory suggestions set apart."""
    if status == Status.SUGGESTED:
        return "suggested-known" if origin in ("rules", "memory") else "suggested"
    if status == Status.ACCEPTED and origin == Origin.HUMAN:
        return "human"
    return status


@lru_cache(maxsize=2048)
def span_style(label: str, key: str, selected: bool = False, highlighted: bool = False) -> Style:
    """The Rich style of a span's text for a :func:`status_key`, selection and highlight."""
    color = label_color(label)
    if key == Status.SUGGESTED:
        style = Style(color=color, underline=True)
    elif key == "suggested-known":
        style = Style(color=color, underline=True, italic=True)
    elif key == Status.ACCEPTED:
        style = Style(color=CHIP_TEXT, bgcolor=color, bold=True)
    elif key == Status.CORRECTED:
        style = Style(color=CHIP_TEXT, bgcolor=color, bold=True, italic=True)
    elif key == Origin.HUMAN:
        style = Style(color=CHIP_TEXT, bgcolor=color, bold=True, underline=True)
    elif key == Status.REJECTED:
        style = Style(color=color, strike=True, dim=True)
    else:  # an unknown status still shows as an entity
        style = Style(color=color, underline=True)
    if highlighted:
        style += HIGHLIGHT_STYLE
    if selected:
        style += SELECTED_STYLE
    return style


SELECTED_STYLE = Style(reverse=True, bold=True)
HIGHLIGHT_STYLE = Style(color=CHIP_TEXT, bgcolor=HIGHLIGHT_COLOR)
# A span whose decision waits for the database: grey, never the label's colour (that means saved).
WAITING_STYLE = Style(color=CHIP_TEXT, bgcolor="#9e9e9e", italic=True)
TOKEN_CURSOR_STYLE = Style(reverse=True, bold=True)
TOKEN_SELECTION_STYLE = Style(reverse=True, underline=True)
GUTTER_STYLE = Style(bold=True)


def _textual_style(style: Style) -> str:
    """A Rich style as a Textual style string, for Content."""
    return str(style)


def legend_content(labels: list[str] | tuple[str, ...] | None = None) -> Content:
    """The legend: one sample per label in its colour, then one sample per status.

    Label names come from the user's scheme and are added as plain text, never as markup.
    """
    parts: list[str | tuple[str, str]] = []
    for label in labels if labels is not None else DEFAULT_LABEL_COLORS:
        parts.append((f" {label} ", _textual_style(span_style(label, "accepted"))))
        parts.append(" ")
    parts.append((f"{GUTTER_CURSOR} cursor  {GUTTER_HIGHLIGHT} same text\n", ""))
    for key, text in STATUS_KEYS:
        if key == "selected":
            style = span_style("MISC", "accepted", selected=True)
        else:
            style = span_style("MISC", key)
        parts.append((text, _textual_style(style)))
        parts.append("  ")
    return Content.assemble(*parts)
