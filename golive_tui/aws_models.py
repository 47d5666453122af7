"""botocore's service models parsed once per machine, not once per process.

Every botocore client reads its service's JSON models (the API, endpoint rules, paginators),
gzipped, into OrderedDicts: for the production checklist's 12 services ~0.25-0.33 s of CPU in
every `golive run` and in the cockpit's first sweep, ~0.12 s of it for EC2 alone. The models
only change with botocore, so each file's parse is kept beside golive's other caches as a
`marshal` dump (plain dicts, which keep their order), keyed by the file's path, size and mtime and
by botocore's and marshal's versions; reading it back is ~4x faster than the parse
(`bench/seed_by_hand.py`: 12 clients 0.25-0.33 -> 0.12 s).

`marshal` is not meant for data others can write: these files live in the user's own cache
directory (0700, written atomically), as the rest of golive's caches; one that does not read back
as a model is parsed again from botocore's file.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from botocore.loaders import JSONFileLoader, Loader

from .cache_file import write_cache_file


def use_machine_models(core: Any) -> None:
    """Make a botocore session read its models through the machine's parsed copies.

    Registered lazily, as botocore registers its own loader: the data path (AWS_DATA_PATH or the
    profile's `data_path`) is read when the first client is made, once the profile is chosen.
    """

    def loader() -> Loader:
        data_path = core.get_config_variable("data_path")
        extra = (
            [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)]
            if data_path
            else None
        )
        return Loader(extra_search_paths=extra, file_loader=ParsedModels())

    core.lazy_register_component("data_loader", loader)


class ParsedModels(JSONFileLoader):
    """botocore's JSON file loader, with each file's parse kept on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            from platformdirs import user_cache_path

            directory = user_cache_path("golive") / "botocore-models"
        self.directory = directory

    def load_file(self, file_path: str) -> Any:
        for extension in (".json", ".json.gz"):  # botocore's order
            source = file_path + extension
            try:
                found = os.stat(source)
            except OSError:
                continue
            kept = self.directory / _key(source, found)
            with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
                model = marshal.loads(kept.read_bytes())
                if isinstance(model, dict):
                    return model
            model = super().load_file(file_path)
            if isinstance(model, dict):
                write_cache_file(kept, marshal.dumps(_plain(model)))
            return model
        return None


def _key(source: str, found: os.stat_result) -> str:
    import botocore

    facts = [
        botocore.__version__,
        str(marshal.version),
        sys.version.split()[0],
        source,
        str(found.st_size),
        str(found.st_mtime_ns),
    ]
    return hashlib.sha256("\0".join(facts).encode()).hexdigest()[:32] + ".marshal"


def _plain(value: Any) -> Any:
    """The model with plain dicts (marshal takes no OrderedDict; a dict keeps its order too)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
