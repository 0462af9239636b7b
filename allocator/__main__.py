"""``allocator`` as a program: the console script and ``python -m allocator``.

Ctrl-C at any moment, even while the libraries are still being imported (the first second), ends with a
one-line message and exit code 130, never a traceback. So this module imports nothing heavy before its
``try``, and ``allocator/__init__.py`` imports its API lazily.

The process then ends with ``os._exit``: by that point every partial output has been removed (the
writers clean up as the interruption unwinds), and a normal interpreter exit was seen to end by SIGINT
instead of 130 (2 of 30 interrupts in the first second; most likely CPython's exit-by-signal after a
KeyboardInterrupt raised inside code a library ran during an import) and can print noise from
half-finished objects' finalizers.
"""

import contextlib
import os
import sys

INTERRUPTED = 130


def _interrupted(message: bool = True) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C may not interrupt the goodbye
    if message:
        sys.stderr.write("interrupted; nothing was written\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(INTERRUPTED)


def main() -> None:
    """Run the command line; click's own handling of Ctrl-C ("Aborted!", exit 1) is replaced by ours."""
    try:
        from allocator.threads import one_blas_thread

        one_blas_thread()  # before numpy loads: it reads the setting once
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
    except SystemExit as exc:
        if exc.code == INTERRUPTED:  # the commands said so already (allocator.cli_console.interrupted)
            _interrupted(message=False)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
