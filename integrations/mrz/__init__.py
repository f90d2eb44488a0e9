"""Reading identity documents' machine-readable zones (``core.ports.MrzReader``)."""
