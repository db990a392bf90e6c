"""``nbconnect run experiment.toml``: thresholds and exit codes, located errors, --dry-run, Ctrl-C.

The runs are offline (the Demo) or go to a loopback ``FakeProvider`` through a store file the
experiment names; the Ctrl-C test interrupts a real ``python -m nbconnect`` process mid-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nbconnect as nbc
from nbconnect.__main__ import main
from nbconnect._cli.lines import key_line
from nbconnect.data import reviews
from nbconnect.testing import FakeProvider

REPO = Path(__file__).resolve().parents[1]
ROWS = 30
BASE = """\
template = "Classify this {product} review: {text}"
schema = "sentiment: positive|negative|neutral, confidence: float"
models = ["demo:demo-fast", "demo:demo-careful"]
data = "reviews.csv"
truth = "gold_sentiment"

[options]
limit = 30
cache = false
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    reviews().to_csv(tmp_path / "reviews.csv", index=False)
    return tmp_path


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def edited(old: str, new: str, text: str = BASE) -> str:
    """``text`` with ``old`` replaced by ``new``; ``old`` must be there (else the test tests nothing)."""
    assert old in text, old
    return text.replace(old, new)


def with_keys(text: str, *lines: str) -> str:
    """``text`` with top-level ``lines`` added after its truth key (before any table)."""
    return edited('truth = "gold_sentiment"', "\n".join(['truth = "gold_sentiment"', *lines]), text)


def with_store(folder: Path, text: str, *connections: nbc.Connection) -> str:
    """``text`` taking its connections from a store file in ``folder`` holding ``connections``,
    and none from the environment."""
    nbc.Organization(path=folder / "store.json", connections=list(connections))
    return with_keys(text, 'store = "store.json"', "env = false")


def cli(folder: Path, exp: Path, **popen: object) -> subprocess.Popen:
    """``python -m nbconnect run exp --out folder/out`` as a process of its own, on this checkout."""
    return subprocess.Popen(
        [sys.executable, "-m", "nbconnect", "run", str(exp), "--out", str(folder / "out")],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        **popen,
    )


def line_of(text: str, start: str) -> int:
    """The 1-based line of ``text`` that starts with ``start`` (found independently of the CLI)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


# -- thresholds ------------------------------------------------------------------------------------


def test_passing_threshold_exits_0_and_writes_results_and_report(folder, capsys):
    exp = write(folder, BASE)
    out = folder / "out"
    assert main(["run", str(exp), "--out", str(out), "--fail-under", "sentiment.accuracy=0.5"]) == 0
    stdout = capsys.readouterr().out
    results = nbc.Results.load(out / "results.jsonl")
    assert len(results) == ROWS * 2 and results.meta["run"]["template"].startswith("Classify this")
    html = (out / "report.html").read_text()
    for _, r in results.score().iterrows():  # the printed check and the report hold the same figures
        assert r["accuracy"] >= 0.5
        assert f"ok   {r['model']}: sentiment.accuracy = {r['accuracy']:.3f} (at least 0.5)" in stdout
        assert f"{r['accuracy']:.3f} [{r['accuracy_ci_low']:.3f}" in html
    assert "demo:demo-careful" in stdout and "valid_pct" in stdout  # the summary table


def test_failing_threshold_exits_1_naming_the_arm(folder, capsys):
    exp = write(folder, BASE)
    out = folder / "out"
    scores = nbc.run(
        "Classify this {product} review: {text}",
        data=reviews().head(ROWS),
        schema="sentiment: positive|negative|neutral, confidence: float",
        models=["demo:demo-fast", "demo:demo-careful"],
        cache=False,
        progress=False,
    ).score("gold_sentiment")
    fast, careful = scores.set_index("model")["accuracy"][["demo:demo-fast", "demo:demo-careful"]]
    assert fast < careful  # the Demo is deterministic: a bar between the two fails one arm only
    bar = round((fast + careful) / 2, 3)
    rc = main(
        ["run", str(exp), "--out", str(out), "--fail-under", f"accuracy={bar}", "--fail-under", "valid=0.5"]
    )
    captured = capsys.readouterr()
    assert rc == 1
    fails = [line for line in captured.out.splitlines() if line.startswith("FAIL")]
    assert fails == [f"FAIL demo:demo-fast: sentiment.accuracy = {fast:.3f} (at least {bar:g})"]
    assert "1 of 4 threshold checks failed" in captured.err
    assert (out / "results.jsonl").exists() and (out / "report.html").exists()  # written even when failing


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("accuracy", "write [FIELD.]METRIC=VALUE"),
        ("mae=0.2", "mae is lower-is-better"),
        ("accuracy=80", "not a share from 0 to 1"),
        ("colour.accuracy=0.5", "'colour' is not a schema field"),
    ],
)
def test_bad_threshold_exits_2_before_running(folder, capsys, spec, says):
    exp = write(folder, BASE)
    assert main(["run", str(exp), "--out", str(folder / "out"), "--fail-under", spec]) == 2
    assert says in capsys.readouterr().err
    assert not (folder / "out").exists()


def test_score_threshold_without_truth_is_refused(folder, capsys):
    exp = write(folder, BASE.replace('truth = "gold_sentiment"\n', ""))
    assert main(["run", str(exp), "--fail-under", "accuracy=0.5"]) == 2
    assert "needs ground truth" in capsys.readouterr().err


# -- bad files: the key and its line ----------------------------------------------------------------

# (id, text in BASE, what replaces it, the start of the line the error names, what it says)
BAD = [
    ("typo in [options]", "cache = false", "cache = false\ntemperatur = 0", "temperatur =",
     "options.temperatur: unknown key; did you mean 'temperature'?"),
    ("bad option value", "cache = false", "cache = false\nconcurrency = 0", "concurrency =",
     "options.concurrency: concurrency=0 is not allowed"),
    ("wrong type", 'models = ["demo:demo-fast", "demo:demo-careful"]', "models = 3", "models =",
     "models: must be a list or a string"),
    ("unknown column", "{product}", "{produce}", "template =", "template: "),
    ("limit past the data", "limit = 30", "limit = 0", "limit =", "options.limit: limit=0 selects no rows"),
    ("truth not a column", '"gold_sentiment"', '"gold"', "truth =", "truth: truth='gold' names 'gold'"),
    ("missing data file", '"reviews.csv"', '"nope.csv"', "data =", "data: no such file"),
    ("unknown top key", "truth =", "truht = 1\ntruth =", "truht =", "truht: unknown key; did you mean 'truth'?"),
    ("bad schema", "sentiment: positive|negative|neutral, confidence: float", "sentiment: ", "schema =",
     "schema: "),
    ("inline options table", "[options]\nlimit = 30\ncache = false\n", "options = { limit = 30, seeed = 1 }\n",
     "options =", "options.seeed: unknown key; did you mean 'seed'?"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "start", "says"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_file_names_the_key_and_its_line(folder, capsys, old, new, start, says):
    text = edited(old, new)
    exp = write(folder, text)
    assert main(["run", str(exp), "--out", str(folder / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"nbconnect run: {exp}:{line_of(text, start)}: "), err
    assert says in err
    assert not (folder / "out").exists()


def test_an_unknown_model_names_its_line_in_a_long_list(folder, capsys):
    text = BASE.replace(
        'models = ["demo:demo-fast", "demo:demo-careful"]',
        'models = [\n    "demo:demo-fast",\n    "demo:demo-carefull",\n]',
    )
    exp = write(folder, text)
    assert main(["run", str(exp)]) == 2
    err = capsys.readouterr().err
    line = line_of(text, '"demo:demo-carefull"')
    assert f"{exp}:{line}: models: " in err
    assert "did you mean demo-careful" in err


def test_toml_syntax_error_names_the_line(folder, capsys):
    text = BASE.replace("cache = false", "cache = = false")
    exp = write(folder, text)
    assert main(["run", str(exp)]) == 2
    assert f"{exp}:{line_of(text, 'cache =')}: not valid TOML" in capsys.readouterr().err


def test_missing_required_keys_are_listed(folder, capsys):
    exp = write(folder, 'data = "reviews.csv"\n')
    assert main(["run", str(exp)]) == 2
    err = capsys.readouterr().err
    assert (
        "missing required key(s): template = ..." in err and "models = ..." in err and "schema = ..." in err
    )


def test_key_line_finds_tables_dotted_keys_and_inline_tables():
    text = 'a = 1\noptions.seed = 2\n[report]\ntitle = "x"\n[options]\n"limit" = 3\n'
    assert key_line(text, ["a"]) == 1
    assert key_line(text, ["options", "seed"]) == 2
    assert key_line(text, ["report", "title"]) == 4
    assert key_line(text, ["options", "limit"]) == 6
    assert key_line(text, ["report"]) == 3
    assert key_line(text, ["nothing"]) is None
    assert key_line("x = 0\nopt = { a = 1,\n  b = 2 }\n", ["opt", "a"]) == 2


# -- dry run ---------------------------------------------------------------------------------------


def test_dry_run_prints_the_estimate_and_sends_nothing(folder, capsys):
    with FakeProvider() as fake:
        llm = nbc.CustomLLM(name="fake-llm", endpoint=f"{fake.url}/v1")
        exp = write(folder, with_store(folder, edited('"demo:demo-careful"]', '"fake-llm"]'), llm))
        assert main(["run", str(exp), "--dry-run", "--out", str(folder / "out")]) == 0
        out = capsys.readouterr().out
        assert fake.count("/chat/completions") == 0
    assert out.startswith(f"Estimate({ROWS * 2} calls")
    assert "demo:demo-fast" in out and "fake-llm" in out and "input_tokens" in out
    assert not (folder / "out").exists()


# -- the example ------------------------------------------------------------------------------------


def test_the_example_experiment_runs_on_the_demo(tmp_path, capsys):
    example = REPO / "examples" / "experiment.toml"
    rc = main(["run", str(example), "--out", str(tmp_path), "--fail-under", "sentiment.accuracy=0.6"])
    assert rc == 0, capsys.readouterr().err
    results = nbc.Results.load(tmp_path / "results.jsonl")
    assert len(results) == 80 and results.truth == "gold_sentiment"
    assert "Demo models on 40 reviews" in (tmp_path / "report.html").read_text()


# -- Ctrl-C ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_cells_writes_them_and_exits_130(folder):
    with FakeProvider(latency=0.4) as fake:
        text = edited('["demo:demo-fast", "demo:demo-careful"]', '["slow-llm"]')
        text = edited("cache = false", "cache = false\nconcurrency = 2\nmax_retries = 0", text)
        llm = nbc.CustomLLM(name="slow-llm", endpoint=f"{fake.url}/v1")
        exp = write(folder, with_store(folder, text, llm))
        proc = cli(folder, exp, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            # two calls in flight at a time: the 7th request means at least 5 answers came back
            while fake.count("/chat/completions") < 7 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        sent = fake.count("/chat/completions")
    assert proc.returncode == 130, stderr
    results = nbc.Results.load(folder / "out" / "results.jsonl")
    df = results.df
    kept = df.loc[df["_valid"]]
    cancelled = df.loc[df["_error_type"] == "cancelled"]
    assert len(df) == ROWS and len(kept) >= 5 and len(cancelled) > 0
    assert len(kept) + len(cancelled) == ROWS, df["_error_type"].value_counts(dropna=False)
    assert len(kept) <= sent < ROWS  # nothing was sent after the stop beyond the calls in flight
    assert f"stopped: {len(kept)} of {ROWS} cells finished" in stderr
    assert "Traceback" not in stderr and "%|" not in stderr  # no progress bar into a pipe
    assert (folder / "out" / "report.html").exists() and "wrote" in stdout


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_a_terminal_gets_a_progress_bar(folder):
    import fcntl
    import select
    import struct
    import termios

    exp = write(folder, BASE)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a sized terminal
    proc = cli(folder, exp, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    stdout = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 0
    terminal = b"".join(chunks).decode(errors="replace")
    assert "nbconnect: 100%" in terminal and f"{ROWS * 2}/{ROWS * 2}" in terminal, terminal[-500:]
    assert "%|" not in stdout  # the bar goes to the terminal, the tables to stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_data_files_json_schema_tables_and_truth_tables(folder, capsys, suffix):
    data = reviews().head(8)[["review_id", "product", "text", "gold_sentiment"]]
    path = folder / f"data{suffix}"
    {".csv": lambda: data.to_csv(path, index=False), ".parquet": lambda: data.to_parquet(path),
     ".jsonl": lambda: data.to_json(path, orient="records", lines=True)}[suffix]()  # fmt: skip
    exp = write(
        folder,
        f"""\
        template = "Classify this {{product}} review: {{text}}"
        models = ["demo:demo-careful"]
        data = "data{suffix}"
        truth = {{ sentiment = "gold_sentiment" }}

        [schema]
        type = "object"
        required = ["sentiment"]
        properties.sentiment.enum = ["positive", "negative", "neutral"]
        """,
    )
    out = folder / "out"
    assert main(["run", str(exp), "--out", str(out), "--fail-under", "accuracy=0"]) == 0, (
        capsys.readouterr().err
    )
    results = nbc.Results.load(out / "results.jsonl")
    assert results.fields == ["sentiment"] and len(results) == 8
    assert results.df["review_id"].tolist() == data["review_id"].tolist()
    assert results.meta["run"]["truth"] == {"sentiment": "gold_sentiment"}
    assert "ok   demo:demo-careful: sentiment.accuracy" in capsys.readouterr().out


def test_connections_come_from_the_environment_unless_env_is_false(folder, capsys, monkeypatch):
    with FakeProvider() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789abcdefghij")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{fake.url}/v1")
        text = BASE.replace('["demo:demo-fast", "demo:demo-careful"]', '["openai:gpt-4.1-mini"]').replace(
            "limit = 30", "limit = 3"
        )
        exp = write(folder, text)
        assert main(["run", str(exp), "--out", str(folder / "out")]) == 0, capsys.readouterr().err
        assert fake.count("/chat/completions") + fake.count("/responses") >= 3
        results = nbc.Results.load(folder / "out" / "results.jsonl")
        assert (
            results.df["_valid"].all()
            and results.meta["run"]["models"]["openai:gpt-4.1-mini"]["provider"] == "openai"
        )
        capsys.readouterr()

        off = write(folder, with_keys(text, "env = false"), "off.toml")
        assert main(["run", str(off), "--out", str(folder / "off")]) == 2
        err = capsys.readouterr().err
        assert f"{off}:{line_of(text, 'models =')}: models: " in err
        assert "sk-env" not in err


def test_variants_arms_and_repeats_come_from_the_file(folder, capsys):
    # variants / arms are top-level keys, repeats a run option: the run has one cell per
    # (row, arm, sample) and meta["run"] records them for the report.
    top = """\
arms = [["v1", "demo:demo-fast"], ["v2", "demo:demo-fast"], ["v2", "demo:demo-careful"]]

[variants.v1]

[variants.v2]
system = "Read the review carefully."
temperature = 0.5

[options]
repeats = 2"""
    exp = write(folder, BASE.replace("limit = 30", "limit = 4").replace("[options]", top))
    out = folder / "out"
    assert main(["run", str(exp), "--out", str(out)]) == 0
    results = nbc.Results.load(out / "results.jsonl")
    arms = sorted(set(zip(results.df["variant"], results.df["model"])))
    assert arms == [("v1", "demo:demo-fast"), ("v2", "demo:demo-careful"), ("v2", "demo:demo-fast")]
    assert len(results) == 4 * 3 * 2 and sorted(set(results.df["sample"])) == [0, 1]
    run = results.meta["run"]
    assert run["repeats"] == 2
    assert run["arms"] == [["v1", "demo:demo-fast"], ["v2", "demo:demo-fast"], ["v2", "demo:demo-careful"]]
    assert run["variants"]["v2"]["system"] == "Read the review carefully."
    assert run["variants"]["v2"]["temperature"] == 0.5


def test_an_arm_naming_a_missing_variant_exits_2(folder, capsys):
    top = "[variants.v1]\n\n[options]"
    exp = write(folder, BASE.replace("[options]", 'arms = [["v9", "demo:demo-fast"]]\n\n' + top))
    assert main(["run", str(exp), "--dry-run"]) == 2
    assert "arms= names variant 'v9'" in capsys.readouterr().err
