"""``python -m efficientrec``: the same command line as ``efficientrec-client``."""
import sys

from .cli import main

sys.exit(main())
