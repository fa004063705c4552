"""``python -m hypokit`` runs the command line."""

from hypokit._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
