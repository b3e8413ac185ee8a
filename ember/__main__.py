"""The ``ember`` command: ``ember run SCRIPT [ARGS...]`` runs a PyTorch program on ember."""
from __future__ import annotations

import argparse
import os
import runpy
import sys


def run_script(script: str, args: list) -> None:
    """Run ``script`` as ``__main__`` with ``torch``/``torchvision`` served by ember."""
    from ._compat import install
    if not os.path.exists(script):
        raise SystemExit(f"ember run: can't open file '{script}': No such file or directory")
    install()
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:  # report it as if the script had run directly
        tb = _script_frames(exc.__traceback__, script)
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        raise SystemExit(1) from None


def _script_frames(tb, script):
    """The traceback from the script's own first frame on (ember's runner frames dropped)."""
    target = os.path.abspath(script)
    start = tb
    while start is not None and os.path.abspath(start.tb_frame.f_code.co_filename) != target:
        start = start.tb_next
    return start or tb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch programs on "
                                     "NumPy/CuPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a PyTorch script unchanged on ember")
    run.add_argument("script")
    run.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("version", help="print ember's version")
    ns = parser.parse_args(argv)
    if ns.command == "version":
        from . import __version__
        print(__version__)
        return 0
    run_script(ns.script, ns.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
