"""`python -m bot <command>`: the single entry point."""

import os
import sys

from bot.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # The reader went away (`python -m bot search ... | head`): not an error of ours.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
