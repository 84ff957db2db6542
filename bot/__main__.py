"""`python -m bot <command>`: the single entry point."""

import gc
import os
import sys

try:
    from bot.cli import main

    code = main()
    # The interpreter's last full collection walks every object still alive (the gazetteer,
    # a search index): 0.6 s of a 1.8 s `search` command. Frozen objects are skipped by it
    # and freed with the process.
    gc.freeze()
    sys.exit(code)
except KeyboardInterrupt:
    # SIGINT before the bot installed its own handlers (still importing or starting): a stop
    # asked for by a person or a supervisor, not a crash; no traceback, a clean exit.
    print("stopped while starting", file=sys.stderr)
    sys.exit(0)
except BrokenPipeError:
    # The reader went away (`python -m bot search ... | head`): not an error of ours.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
