"""SourceTrace core: domain services behind one ``Workspace`` facade. No Qt imports here."""

__version__ = "0.1.0"
