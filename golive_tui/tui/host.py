"""What pages and controllers may ask of the cockpit app, as a Protocol: no module but app.py
imports app.

Screens draw from `cockpit` (the state); they act through the three controllers, which open
dialogs and start workers. Textual's own services (notify, push_screen) come from `self.app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..cockpit import Cockpit
    from ..model import Item
    from .approving import Approving
    from .prober import Prober
    from .recorder import Recorder


class Host(Protocol):
    cockpit: Cockpit
    prober: Prober
    recorder: Recorder
    approving: Approving
    monochrome: bool

    def open_item(self, item: Item, order: list[str] | None = None) -> None: ...
