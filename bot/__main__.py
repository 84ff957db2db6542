"""`python -m bot <command>`: the single entry point."""

import sys

from bot.cli import main

sys.exit(main())
