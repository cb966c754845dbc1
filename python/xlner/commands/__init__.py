"""Subcommands of the ``xlner`` command line, one module each.

Add a command by adding a module here with::

    def add_parser(subparsers) -> argparse.ArgumentParser:
        p = subparsers.add_parser("name", help="...", description="...")
        p.add_argument(...)
        return p

    def run(args: argparse.Namespace) -> int:
        ...  # import heavy dependencies here, not at module level
        return 0

:func:`xlner.cli.command_modules` finds it (module ``foo_bar`` → command ``foo-bar``). Raise ``ValueError``
/ ``OSError`` / :class:`~xlner.io.FormatError` with a clear message for bad input: the CLI prints it as one
line and exits with status 1.
"""
