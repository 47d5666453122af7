"""The cockpit's screens: main (sections, items, detail), item, performance, sign-off, audit,
help."""
