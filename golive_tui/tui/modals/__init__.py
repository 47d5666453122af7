"""Modal dialogs: each shows only its own keys, and stays open (with what was typed) on an error."""
