"""Real-browser fixtures: throw-away front-end servers and a system-Chromium Playwright page.

Front ends: JupyterLab (``lab``, ``lab_savestate``), Jupyter Notebook 7 (``notebook7``), Voila
(``voila``, directory mode) and marimo (``marimo``, ``marimo edit`` on a folder). Each is started
at most once per session, all the ones a session's tests use together on first use (they start
in parallel), and stopped at the end.

Everything the servers, their kernels and the browser write (Jupyter config, lab settings and
workspaces, runtime files, IPython dir, NBCONNECT_HOME, the Chromium profile) lives under pytest's
tmp dirs; nothing touches ~/.jupyter, ~/.config or the user's nbconnect store.

Without a Chromium the tests skip with the reason, except under ``CI=true`` where they fail.
``CHROMIUM_PATH`` picks the browser; ``WIDGET_TEST_ARTIFACTS`` the screenshot dir (default
``artifacts/`` at the repo root).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import typing
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from lab import CHROMIUM_ARGS, artifact, find_chromium, in_ci

VENV_BIN = Path(sys.executable).parent  # `jupyter` lives next to the python running pytest

# provider settings a kernel must never inherit from the developer's shell
_PROVIDER_ENV_PREFIXES = ("OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "AZURE_", "NBCONNECT_")

SAVE_WIDGET_STATE = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
#: how every skip for want of a browser begins (the terminal summary counts them by it)
NO_BROWSER = "browser tests need a real Chromium: "


def pytest_collection_modifyitems(config, items):
    """Mark the tests under this folder `browser` and run them last, after the fast unit tests."""
    here = Path(__file__).parent
    browser = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    chosen = set(map(id, browser))
    items[:] = [item for item in items if id(item) not in chosen] + browser


# -- browser availability ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of the Chromium to drive; skip (developer laptop) or fail (CI=true) without one."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        problems.append(f"the playwright package is not importable ({exc}); install the dev extra")
    path = find_chromium()
    if path is None:
        where = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium or chromium on PATH"
        problems.append(
            f"no Chromium found ({where}); install it with `apt-get install chromium` "
            "or set CHROMIUM_PATH (never `playwright install`)"
        )
    if problems:
        reason = NO_BROWSER + "; ".join(problems)
        if in_ci():
            pytest.fail(reason + " [CI=true: failing instead of skipping]", pytrace=False)
        pytest.skip(reason)
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """A skipped browser test is a gap in the run, not a pass: say so loudly, with the fix, last."""
    skipped = [
        rep
        for rep in terminalreporter.stats.get("skipped", [])
        if isinstance(rep.longrepr, tuple) and NO_BROWSER in str(rep.longrepr[2])
    ]
    if not skipped:
        return
    terminalreporter.write_sep(
        "!", f"{len(skipped)} BROWSER TESTS DID NOT RUN: no Chromium", red=True, bold=True
    )
    terminalreporter.write_line(
        "The widgets were not tested in a real browser. Fix (Debian, as root): "
        "apt-get update && apt-get install -y chromium   (or set CHROMIUM_PATH; never `playwright install`)",
        red=True,
        bold=True,
    )


# -- JupyterLab servers ------------------------------------------------------------------------


def isolated_env(base: Path) -> dict[str, str]:
    """Env for server, kernels and browser: private HOME/XDG/JUPYTER/IPython/nbconnect dirs under ``base``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_ENV_PREFIXES)}
    dirs = {
        "HOME": base / "home",
        "XDG_CONFIG_HOME": base / "home/.config",
        "XDG_CACHE_HOME": base / "home/.cache",
        "XDG_DATA_HOME": base / "home/.local/share",
        "JUPYTER_CONFIG_DIR": base / "jupyter-config",  # lab/user-settings + lab/workspaces
        "JUPYTER_DATA_DIR": base / "jupyter-data",  # sys.prefix/share/jupyter still searched
        "JUPYTER_RUNTIME_DIR": base / "jupyter-runtime",  # kernel connection files (kernel_eval)
        "IPYTHONDIR": base / "ipython",
        "NBCONNECT_HOME": base / "nbconnect-home",  # kernels never see the real store
    }
    for key, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_TOKEN", None)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Server:
    base_url: str
    token: str
    root_dir: Path
    proc: subprocess.Popen
    log_path: Path
    env: dict
    base: Path
    kind: str = "lab"
    ready_path: str = "/api/status"  # polled until it answers 200 (or anything, see any_answer)
    any_answer: bool = False  # Voila and marimo: a listening server that answers at all is ready

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET", data: dict | None = None):
        req = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if data is None else json.dumps(data).encode(),
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    @property
    def has_api(self) -> bool:
        """Whether it is a Jupyter server with the REST API (sessions, shutdown)."""
        return self.kind in ("lab", "notebook7")

    def drop_sessions(self) -> None:
        """Shut down every kernel session, so the next test gets a fresh kernel (Voila and marimo
        end a page's kernel when the page closes)."""
        if not self.has_api:
            return
        for s in self.api("/api/sessions") or []:
            self.api(f"/api/sessions/{s['id']}", method="DELETE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(server: Server) -> bool:
    """Whether the server answers its ready path (with 200, or with anything when ``any_answer``)."""
    req = urllib.request.Request(
        server.base_url + server.ready_path, headers={"Authorization": f"token {server.token}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5):
            return True
    except urllib.error.HTTPError:
        return server.any_answer
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _wait_ready(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.kind} exited rc={server.proc.returncode}\n{server.log_tail()}")
        if _answers(server):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{server.kind} not ready after {timeout}s\n{server.log_tail()}")


def _stop(server: Server) -> None:
    """Stop the server we started, by its own PID (and process group), kernels included."""
    proc = server.proc
    if proc.poll() is None:
        if server.has_api:
            with contextlib.suppress(Exception):
                server.api("/api/shutdown", method="POST")  # graceful: shuts its kernels down too
        try:
            proc.wait(timeout=15 if server.has_api else 0.01)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: started with start_new_session
                proc.wait(timeout=10)


def _user_settings(env: dict[str, str], settings: dict | None) -> None:
    """JupyterLab-style user settings (Lab and Notebook 7 read the same files):
    <JUPYTER_CONFIG_DIR>/lab/user-settings/<package>/<plugin>.jupyterlab-settings"""
    all_settings = {
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
        **(settings or {}),
    }
    for plugin_id, values in all_settings.items():
        package, plugin = plugin_id.split(":")
        f = Path(env["JUPYTER_CONFIG_DIR"], "lab", "user-settings", package, f"{plugin}.jupyterlab-settings")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))


def _jupyter_cmd(app: str, port: int, token: str, root: Path) -> list[str]:
    cmd = [
        str(VENV_BIN / "jupyter"),
        app,
        "--no-browser",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.port_retries=0",
        "--expose-app-in-browser",  # window.jupyterapp for commands
        # not needed by the tests; each costs start-up time (Notebook 7's LSP front end throws
        # "reading 'schema'" into the page without its server half, so it keeps jupyter_lsp)
        "--ServerApp.jpserver_extensions={%s'jupyter_server_terminals': False}"
        % ("'jupyter_lsp': False, " if app == "lab" else ""),
    ]
    if app == "lab":
        cmd += ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def _launch(kind: str, base: Path, settings: dict | None = None) -> Server:
    """Start the ``kind`` front end's server under ``base`` without waiting for it (see :func:`_wait_ready`)."""
    root = base / "notebooks"
    root.mkdir(parents=True)
    env = isolated_env(base)
    token = secrets.token_hex(16)
    port = _free_port()
    ready, any_answer = "/api/status", False
    if kind == "lab":  # Notebook 7 lacks some of Lab's plugins: a setting for one throws in its page
        _user_settings(env, settings)
    if kind in ("lab", "notebook7"):
        cmd = _jupyter_cmd("lab" if kind == "lab" else "notebook", port, token, root)
    elif kind == "voila":  # directory mode: notebooks written later open at /voila/render/NAME
        cmd = [str(VENV_BIN / "voila"), str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
               f"--Voila.token={token}", "--Voila.port_retries=0"]  # fmt: skip
        ready, any_answer = "/voila/static/voila.js", True  # GET / would start a kernel
    elif kind == "marimo":
        # `marimo edit` on a folder: a notebook written there later opens at /?file=NAME.py and runs
        # its cells on open (`marimo run` fixes its list of files at start). No token on loopback.
        cmd = [str(VENV_BIN / "marimo"), "-q", "-y", "edit", str(root), "--headless", "--host", "127.0.0.1",
               "--port", str(port), "--no-token", "--no-sandbox", "--skip-update-check"]  # fmt: skip
        env["MARIMO_SKIP_UPDATE_CHECK"] = "1"
        config = Path(env["XDG_CONFIG_HOME"], "marimo", "marimo.toml")  # the private user config
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("[runtime]\nauto_instantiate = true\n")  # run every cell as a notebook opens
        ready, any_answer = "/health", True
    else:
        raise ValueError(f"unknown front end {kind!r}")
    log = base / f"{kind}.log"
    with open(log, "w") as lf:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=lf, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(f"http://127.0.0.1:{port}", token, root, proc, log, env, base, kind, ready, any_answer)


def launch_lab(base: Path, settings: dict | None = None) -> Server:
    """Start ``jupyter lab`` under ``base`` without waiting for it (see :func:`_wait_ready`)."""
    return _launch("lab", base, settings)


class _Servers:
    """The session's servers, all launched together on first use (they start in parallel)."""

    #: fixture name: (front end, its user settings)
    KINDS: typing.ClassVar[dict[str, tuple[str, dict | None]]] = {
        "lab": ("lab", None),
        "lab_savestate": ("lab", SAVE_WIDGET_STATE),
        "notebook7": ("notebook7", None),
        "voila": ("voila", None),
        "marimo": ("marimo", None),
    }

    def __init__(self, tmp_path_factory, wanted: set[str]) -> None:
        self._factory = tmp_path_factory
        self._wanted = wanted or set(self.KINDS)
        self._servers: dict[str, Server] = {}
        self._ready: set[str] = set()

    def get(self, kind: str) -> Server:
        if kind not in self._servers:
            for k in sorted(self._wanted | {kind}):
                if k not in self._servers:
                    front_end, settings = self.KINDS[k]
                    self._servers[k] = _launch(front_end, self._factory.mktemp(k.replace("_", "-")), settings)
        if kind not in self._ready:
            _wait_ready(self._servers[kind])
            self._ready.add(kind)
        return self._servers[kind]

    def stop_all(self) -> None:
        for server in self._servers.values():
            _stop(server)


@pytest.fixture(scope="session")
def _servers(chromium_executable, tmp_path_factory, request):
    wanted = {
        kind
        for item in request.session.items
        for kind in _Servers.KINDS
        if kind in getattr(item, "fixturenames", ())
    }
    servers = _Servers(tmp_path_factory, wanted)
    yield servers
    servers.stop_all()


def _server_fixture(kind: str, doc: str):
    """The per-test fixture ``kind``: the session's shared server of that kind; every kernel
    session the test opened there is shut down afterwards."""

    @pytest.fixture(name=kind)
    def fixture(_servers, request):
        server = _servers.get(kind)
        yield server
        _after_test(server, request)

    fixture.__doc__ = doc
    return fixture


lab = _server_fixture("lab", "The shared JupyterLab (default settings).")
lab_savestate = _server_fixture(
    "lab_savestate",
    'A second JupyterLab with "Save Widget State Automatically" switched on in its user settings.',
)
notebook7 = _server_fixture("notebook7", "A shared Jupyter Notebook 7 server (``jupyter notebook``).")
voila = _server_fixture(
    "voila", "A shared Voila server over a folder: a notebook there opens at /voila/render/NAME."
)
marimo = _server_fixture(
    "marimo",
    "A shared ``marimo edit`` server over a folder: a notebook NAME.py there opens at /?file=NAME.py.",
)


def _after_test(server: Server, request) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        artifact(f"failure-{_safe(request.node.name)}.server.log").write_text(server.log_tail(20_000))
    server.drop_sessions()


# -- browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _playwright(chromium_executable):
    # module scope: the sync API runs an event loop on the main thread while it is open, which
    # would break later asyncio tests ("Cannot run the event loop while another loop is running")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # widgets answer after a kernel round trip on a busy machine
    with sync_playwright() as p:
        yield p


@pytest.fixture
def page(_playwright, chromium_executable, tmp_path, request):
    """A fresh headless Chromium profile per test; on failure a screenshot and the console log."""
    env = isolated_env(tmp_path / "browser-env")
    # Chromium's SingletonSocket goes under $TMPDIR: a deep pytest path exceeds the 107-char
    # UNIX-socket limit ("Socket path too long"), so keep the caller's short TMPDIR.
    ctx = _playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=chromium_executable,
        headless=True,
        args=CHROMIUM_ARGS,
        env=env,
        viewport={"width": 1400, "height": 1000},
    )
    pg = ctx.pages[0] if ctx.pages else ctx.new_page()
    pg.set_default_timeout(30_000)
    console: list[str] = []
    pg.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    pg.console_log = console
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            name = _safe(request.node.name)
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(artifact(f"failure-{name}.png")), full_page=True)
            artifact(f"failure-{name}.console.txt").write_text("\n".join(console))
        ctx.close()


@pytest.fixture(scope="module")
def fake(request):
    """A loopback FakeProvider for a module's tests, made with the module's ``FAKE`` options
    (e.g. ``FAKE = {"latency": 0.3}``; none: the defaults)."""
    from nbconnect.testing import FakeProvider

    with FakeProvider(**getattr(request.module, "FAKE", {})) as server:
        yield server


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    rep = (yield).get_result()
    setattr(item, f"rep_{rep.when}", rep)
