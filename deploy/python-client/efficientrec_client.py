#!/usr/bin/env python3
"""Runs the command line of the Python client package (clients/python) from this checkout without
installing it: the same flags and output as `efficientrec-client` after
`pip install ./clients/python` (see docs/python-client.md).

    python3 deploy/python-client/efficientrec_client.py --coordinator tcp://127.0.0.1:5600 \
        --history "50:5,172:5,181:4" -k 10
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python", "src"))

from efficientrec.cli import main  # noqa: E402

sys.exit(main())
