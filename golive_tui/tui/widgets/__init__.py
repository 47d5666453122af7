"""Widgets of the cockpit: the table every screen uses, the header and sweep lines, toned text."""
