"""The Textual cockpit: a thin layer over the domain core (the only package importing textual)."""
