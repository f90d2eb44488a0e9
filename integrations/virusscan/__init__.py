"""Malware scanners for KYC files (``core.ports.VirusScanner``).

``ClamdScanner`` speaks clamd's INSTREAM protocol (ClamAV, over TCP or a unix socket);
``DevelopmentScanner`` is the development default: it needs nothing installed and catches
the EICAR test file and executables, and nothing else — its name says so.
"""
