"""Benchmark: `golive import` of 5,000 items — distinct titles, all identical titles (the
duplicate-id numbering once took 11 s), a 5,000-row table, and nested task lists.

Each figure is the median of 3 runs of `import_markdown` on the same text: parsing with
markdown-it, the walk, ids, TOML text, and validating the checklist it wrote. The issue's
budget is 2 s for each of the first two.

Run: uv run python bench/import_scale.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive_tui.importer import import_markdown  # noqa: E402

N = 5_000
BUDGET = 2.0


def tasks(titles: list[str]) -> str:
    return "# Scale\n\n## Tasks\n\n" + "\n".join(f"- [ ] {title}" for title in titles) + "\n"


DOCUMENTS = {
    "5,000 distinct task titles": tasks(
        [f"Check service {n} answers on its health port" for n in range(N)]
    ),
    "5,000 identical task titles": tasks(["Check the service answers"] * N),
    "5,000 table rows (link titles, 4 columns)": "# Scale\n\n## Table\n\n"
    "| Check | Owner | Level | Notes |\n|---|---|---|---|\n"
    + "\n".join(
        f"| [Check {n}](https://wiki.example/{n}) | Ops | High 🔴 | :white_check_mark: |"
        for n in range(N)
    )
    + "\n",
    "5,000 nested tasks (1,000 x 1 + 4 sub-tasks)": "# Scale\n\n## Nested\n\n"
    + "\n".join(
        f"- [ ] Parent {n}\n" + "".join(f"  - [ ] Child {k}\n" for k in range(4))
        for n in range(N // 5)
    ),
}


def main() -> int:
    slow = []
    for name, text in DOCUMENTS.items():
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            result = import_markdown(text)
            runs.append(time.perf_counter() - start)
        count = sum(1 for _ in result.checklist.items())
        median = statistics.median(runs)
        print(
            f"{name:<48} {count:>6} items  {median:6.2f} s  "
            f"(runs {', '.join(f'{r:.2f}' for r in runs)})"
        )
        if median > BUDGET and "task titles" in name:
            slow.append(name)
    print(
        f"budget {BUDGET:.0f} s each for the task-title cases: "
        + ("over: " + ", ".join(slow) if slow else "met")
    )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
