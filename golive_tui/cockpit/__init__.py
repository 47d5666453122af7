"""The cockpit as one model without a screen: the record, the running sweep, watch mode, trends and
the clock.

Screens draw what `Cockpit` derives and redraw when it says something changed; workers report to
it, never to a screen. No Textual here (tests/test_hygiene.py): every rule the cockpit shows can
be tested with a pinned clock and no terminal.
"""

from .broadcast import Notice
from .model import Cockpit
from .timeline import Timeline

__all__ = ["Cockpit", "Notice", "Timeline"]
