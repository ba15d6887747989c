"""DocChat: ask questions about your documents."""

__version__ = "0.1.0"
