"""A document validated once is not validated again in the next process.

Importing openapi-spec-validator (pydantic-settings, jsonschema and boto3 behind it) cost ~0.6 s
of CPU in every `golive run`, for an OpenAPI document that does not change during a cutover. Its
verdict is remembered in the user's cache by the document and the validator's version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from golive_tui.probes.openapi import _validate_once
answer = _validate_once(json.loads(sys.argv[1]))
print(json.dumps([answer, "openapi_spec_validator" in sys.modules]))
"""

VALID = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
BROKEN = {"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}}


def validate_in_a_new_process(document: dict, cache: Path) -> tuple[list, bool]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(document)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    answer, imported = json.loads(done.stdout)
    return answer, imported


def test_the_next_process_recalls_the_verdict_without_importing_the_validator(
    tmp_path: Path,
) -> None:
    first, imported = validate_in_a_new_process(VALID, tmp_path)
    assert first == [[], "openapi-spec-validator"] and imported
    again, imported = validate_in_a_new_process(VALID, tmp_path)
    assert again == first and not imported
    # A different document (here an invalid one) is validated, and its errors remembered too.
    broken, imported = validate_in_a_new_process(BROKEN, tmp_path)
    assert broken[0] and "version" in broken[0][0] and imported
    assert validate_in_a_new_process(BROKEN, tmp_path) == (broken, False)
