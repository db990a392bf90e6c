"""nbconnect: connect LLM providers and compare their structured answers over your data.

Run a subcommand with --help for its options.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = ["cli", "main"]


def _list(args: argparse.Namespace) -> int:
    from ._store.org import Organization

    org = Organization(path=args.store) if args.store else Organization()
    if args.env:
        org.add_from_env()
    print(f"store: {org.path}")
    if not len(org):
        demo = ", ".join(Organization.demo().models())
        print("no connections yet: add one in Python, e.g. org.add(nbconnect.OpenAI(api_key=...))")
        print(f"the offline demo models need none: {demo}")
        return 0
    for conn in org:
        print(f"  {conn.name:<24} {conn.title:<18} {conn.hint:<16} ({conn.source})")
    print("models:")
    for ref in org.models():
        print(f"  {ref}")
    return 0


DEMO_NOTEBOOK = "playground.ipynb"
NO_JUPYTERLAB = (
    "nbconnect demo opens the playground notebook in JupyterLab, which is not installed here.\n"
    "Install it with:\n"
    "    pip install jupyterlab\n"
    "(or pip install 'nbconnect[demo]'), then run `nbconnect demo` again."
)


def _demo(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        print(NO_JUPYTERLAB, file=sys.stderr)
        return 1
    workdir = Path(args.dir).expanduser().resolve()
    _copy_notebook(workdir)

    port = args.port or _free_port()
    token = secrets.token_hex(24)
    # The token goes through the environment, not argv, so it does not show in `ps`.
    env = {**os.environ, "JUPYTER_TOKEN": token}
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={workdir}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root
    # Our own session: Ctrl-C reaches only this process, which then stops JupyterLab (no y/n prompt).
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, start_new_session=os.name == "posix")
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        base = f"http://127.0.0.1:{port}"
        if not _wait_for_lab(proc, base, token):
            print(
                f"nbconnect demo: JupyterLab exited (code {proc.returncode}) before it was ready",
                file=sys.stderr,
            )
            return proc.returncode or 1
        url = f"{base}/lab/tree/{DEMO_NOTEBOOK}?token={token}"
        print(
            "\nnbconnect demo: JupyterLab is serving the playground notebook at\n"
            f"    {url}\n"
            f"folder: {workdir}\n"
            f"On a remote machine: ssh -L {port}:127.0.0.1:{port} <host>, then open the URL here.\n"
            "Stop with Ctrl-C.\n",
            flush=True,
        )
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        return proc.wait()
    except KeyboardInterrupt:
        print("\nnbconnect demo: stopping JupyterLab", file=sys.stderr)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(proc)


def _copy_notebook(workdir: Path) -> Path:
    """Put the playground notebook in ``workdir``; an existing one (the user's edits) is kept."""
    from importlib.resources import files

    workdir.mkdir(parents=True, exist_ok=True)
    notebook = workdir / DEMO_NOTEBOOK
    if notebook.exists():
        print(f"nbconnect demo: opening your existing {notebook} (delete it to start afresh)")
    else:
        notebook.write_bytes(files("nbconnect.data").joinpath(DEMO_NOTEBOOK).read_bytes())
        print(f"nbconnect demo: copied the playground notebook to {notebook}")
    return notebook


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_lab(proc: subprocess.Popen, base: str, token: str, timeout: float = 120.0) -> bool:
    """Poll ``/api/status`` until the server answers; False if it exits first."""
    request = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(request, timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise TimeoutError(f"JupyterLab did not answer on {base} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the JupyterLab we started (SIGTERM shuts its kernels down too), by its own PID."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _port(text: str) -> int:
    """``--port``: 0 (a free port) or a TCP port; anything else is a usage error, before JupyterLab
    is started (which would print a traceback, or take 99999 modulo 65536)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: pass a whole number from 1 to 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nbconnect", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "list",
        help="show the saved connections (secrets masked) and their models",
        description="Show the saved connections, with their secrets masked, and the models they serve.",
    )
    p.add_argument("--store", help="store file (default: $NBCONNECT_HOME or the user config dir)")
    p.add_argument("--env", action="store_true", help="also show connections found in environment variables")
    p.set_defaults(func=_list)
    p = sub.add_parser(
        "demo",
        help="open the playground notebook in JupyterLab (offline demo models, no key needed)",
        description="Copy the playground notebook into a folder and open it in JupyterLab on 127.0.0.1.",
    )
    p.add_argument("--no-browser", action="store_true", help="only print the URL (remote machines)")
    p.add_argument("--port", type=_port, default=0, help="port to serve on (default: a free one)")
    p.add_argument(
        "--dir",
        default="nbconnect-demo",
        help="folder for the notebook; an existing playground.ipynb there is kept (default: ./nbconnect-demo)",
    )
    p.set_defaults(func=_demo)
    from ._cli.run import add_parser as add_run

    add_run(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command: parse ``argv`` and run the subcommand (its errors propagate; see :func:`cli`)."""
    args = _parser().parse_args(argv)
    return args.func(args)


def cli(argv: Sequence[str] | None = None) -> int:
    """The console entry point: :func:`main`, with a mistake nbconnect names (a store it cannot
    read...) printed as one line and exit status 2 instead of a traceback."""
    from ._errors import NbconnectError

    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except NbconnectError as exc:
        print(f"nbconnect {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(cli())
