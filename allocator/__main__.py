"""``allocator`` as a program: the console script and ``python -m allocator``.

Ctrl-C at any moment, even while the libraries are still being imported (the first second), ends with a
one-line message and exit code 130, never a traceback. So this module imports nothing heavy before its
``try``, and ``allocator/__init__.py`` imports its API lazily.
"""

import sys

INTERRUPTED = 130


def _interrupted() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C may not interrupt the goodbye
    sys.stderr.write("interrupted; nothing was written\n")
    sys.stderr.flush()
    sys.exit(INTERRUPTED)


def main() -> None:
    """Run the command line; click's own handling of Ctrl-C ("Aborted!", exit 1) is replaced by ours."""
    try:
        import click

        from allocator.cli import main as commands

        try:
            code = commands.main(prog_name="allocator", standalone_mode=False)
        except click.Abort:
            _interrupted()
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
    except KeyboardInterrupt:
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
