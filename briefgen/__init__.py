"""briefgen: a static site generator for curated briefing digests."""

__version__ = "0.1.0"
