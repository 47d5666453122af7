"""golive: a terminal cockpit for production go-lives."""

__version__ = "0.1.0"
