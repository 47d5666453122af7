"""Copy the reference SVG snapshots (tests/tui/__snapshots__) to screenshots/ under readable names.

Run after `uv run pytest tests/tui/test_snapshots.py --snapshot-update`:
    uv run python screenshots/update.py
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE.parent / "tests" / "tui" / "__snapshots__"


def main() -> None:
    for svg in sorted(SNAPSHOTS.rglob("*.raw")):  # the plugin stores SVG text as .raw
        match = re.match(r"test_(\w+?)(?:_screen)?\[(\d+x\d+)\]\.raw", svg.name)
        if match:
            target = HERE / f"{match.group(1).replace('_', '-')}-{match.group(2)}.svg"
            shutil.copyfile(svg, target)
            print(f"{svg.relative_to(HERE.parent)} -> {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
