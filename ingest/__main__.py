"""`python -m ingest [--record FILE.jsonl] [...]`: the ingest process with command-line options."""

import sys

from ingest.runner import main

raise SystemExit(main(sys.argv[1:]))
