"""Where a copy went: OSC 52 asks the terminal to set its clipboard, and tmux may keep it.

`y` writes `ESC ] 52 ; c ; <base64> BEL` to the terminal. A terminal that honours it sets its
clipboard; tmux forwards it to the outer terminal only with `set-clipboard on` (its default,
`external`, keeps applications' OSC 52 to itself, and `off` drops it). So inside tmux the note
reads the option — `tmux show -gv set-clipboard`, argv only, bounded — and says how to turn it on.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping

SENT = "sent to the terminal's clipboard (OSC 52)"
TURN_ON = "tmux set -g set-clipboard on"


def tmux_set_clipboard(
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> str | None:
    """tmux's set-clipboard value (`on`, `external`, `off`), or None when it cannot be read."""
    try:
        done = run(
            ["tmux", "show", "-gv", "set-clipboard"],
            capture_output=True,
            text=True,
            timeout=1.0,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = (done.stdout or "").strip()
    return value if done.returncode == 0 and value else None


def copy_note(
    environ: Mapping[str, str] | None = None,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> str:
    """What to tell the captain after a copy: where it went, and inside tmux whether it got
    through."""
    env = os.environ if environ is None else environ
    if not env.get("TMUX"):
        return SENT
    value = tmux_set_clipboard(run)
    if value == "on":
        return f"{SENT} through tmux"
    if value is None:
        return f"{SENT}; tmux passes it on only with set-clipboard on ({TURN_ON})"
    return f"{SENT}, but tmux (set-clipboard {value}) keeps it: {TURN_ON}"
