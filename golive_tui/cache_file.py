"""golive's own cache files (verified audit prefixes, the record last seen, OpenAPI verdicts,
botocore's models):
written whole or not at all, in a directory only the user can read, and never a failure of the
command that writes them (a cache that cannot be written is a cache that is not there)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_cache_file(path: Path, text: str | bytes) -> bool:
    """Replace `path` with `text` atomically (a temporary file beside it, then a rename); False
    when it could not be written."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode() if isinstance(text, str) else text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return True
    return False
