"""The first run in a fresh process or Jupyter kernel against the second: time to the first request.

    .venv/bin/python benchmarks/bench_first_run.py [--samples 5] [--mode kernel|python] [--rows 8]

Each sample is a fresh Jupyter kernel (``--mode kernel``, the default: jupyter_client starts an
ipykernel, as JupyterLab does) or a fresh ``python`` process. In it, ``import nbconnect`` and the
connection set-up go first (the user's first cell, not counted; ``--pause`` seconds after it, the
time a user takes to reach the next cell, while nbconnect loads what a run needs in the
background); then two runs with default
options (progress bar, answer cache in a fresh ``XDG_CACHE_HOME``), each on rows of its own so
that neither is answered from the cache. For each run the figure is the time from the ``run()``
call to the first request reaching the server: the independent uvicorn app of ``_asgi.py``, in a
child process, which records every arrival with ``time.monotonic()`` (one clock for every
process on Linux). The second run shows what a warm process pays; the first run's extra is what
every new user's first Run click waits. Target (issue 19): first within 0.3 s of the second.

For reference it also times a bare ``import jsonschema`` in a fresh process: with Jupyter's
``jsonschema[format-nongpl]`` extras that import compiles rfc3987-syntax's grammars, which the
first run used to pay.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import MODEL, SCHEMA, TEMPLATE, machine, server, table

ROOT = Path(__file__).resolve().parents[1]

# The code a sample runs: a user's first cells. Prints one JSON line: [first run s, second run s].
SAMPLE = """
import json, time, urllib.request
import nbconnect as nbc

def _first_arrival_after(url, t):
    with urllib.request.urlopen(url + "/_stats", timeout=10) as resp:
        return min(a for a in json.loads(resp.read())["arrivals"] if a >= t) - t

_org = nbc.Organization(persist=False)
_org.add(nbc.CustomLLM(name={model!r}, endpoint={url!r} + "/v1", json_mode="json_schema"))
time.sleep({pause})  # the user between the import cell and the Run cell
_out = []
for _k in range(2):
    _data = [f"sample {{time.time_ns()}} run {{_k}} row {{i}}" for i in range({rows})]
    _t = time.monotonic()
    _res = nbc.run({template!r}, data=_data, schema={schema!r}, models=[{model!r}], org=_org)
    assert _res.df["_valid"].all(), _res.df["_error"].tolist()
    _out.append(_first_arrival_after({url!r}, _t))
print("FIRST_RUN " + json.dumps(_out))
"""


def _env(cache_home: str) -> dict[str, str]:
    env = dict(os.environ, XDG_CACHE_HOME=cache_home, PYTHONPATH=str(ROOT))
    env.pop("MPLBACKEND", None)
    return env


def _in_python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout


def _in_kernel(code: str, env: dict[str, str]) -> str:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        lines: list[str] = []

        def keep(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                lines.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                lines.append("\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, output_hook=keep, timeout=300)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("".join(lines)[-2000:])
        return "".join(lines)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _jsonschema_import_s() -> float:
    code = "import time; t = time.perf_counter(); import jsonschema; print(time.perf_counter() - t)"
    return float(_in_python(code, dict(os.environ)).strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--mode", choices=("kernel", "python"), default="kernel")
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument(
        "--pause", type=float, default=0.0,
        help="seconds between `import nbconnect` and the first run (a user between two cells; default 0)",
    )  # fmt: skip
    args = ap.parse_args()
    print(
        f"first run: {args.samples} fresh {args.mode} samples, {args.rows} rows a run, "
        f"{args.pause} s after the import; {machine()}"
    )
    go = _in_kernel if args.mode == "kernel" else _in_python
    firsts, seconds = [], []
    with server(0.0, kind="uvicorn") as url, tempfile.TemporaryDirectory() as tmp:
        code = SAMPLE.format(
            url=url, model=MODEL, schema=SCHEMA, template=TEMPLATE, rows=args.rows, pause=args.pause
        )
        for k in range(args.samples):
            started = time.perf_counter()
            out = go(code, _env(str(Path(tmp) / f"cache{k}")))
            first, second = json.loads(out.split("FIRST_RUN ", 1)[1].splitlines()[0])
            firsts.append(first)
            seconds.append(second)
            print(
                f"  sample {k + 1}: first {first:.3f} s, second {second:.3f} s ({time.perf_counter() - started:.1f} s)"
            )
    first, second = statistics.median(firsts), statistics.median(seconds)
    print()
    table(
        [
            ("first run: run() to first request", f"{first:.3f}"),
            ("second run: run() to first request", f"{second:.3f}"),
            ("first - second", f"{first - second:.3f}"),
            ("reference: bare `import jsonschema`, fresh process", f"{_jsonschema_import_s():.3f}"),
        ],
        ("median of samples", "s"),
    )
    extra = first - second
    print(
        f"\nfirst run starts {extra:.3f} s after the second (target <= 0.3: {'met' if extra <= 0.3 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
