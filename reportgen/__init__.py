"""reportgen: side-by-side comparison briefings from annotated source texts."""

__version__ = "0.1.0"
