"""The bundled sample corpus: five articles on one story, in English, French and Arabic."""

from importlib.resources import files


def seed_paths() -> list:
    """The seed article files, in name order (works from a wheel as well as a checkout)."""
    return sorted((p for p in files(__name__).iterdir() if p.name.endswith(".txt")), key=lambda p: p.name)
