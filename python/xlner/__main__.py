"""``python -m xlner``: the ``xlner`` command line."""
from xlner.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
