"""Write the tutorial notebooks from the cells below: ``python notebooks/build.py``.

The .ipynb files are generated, never edited by hand: change a cell here and run this script.
Output is byte-for-byte reproducible (fixed cell ids, no outputs, no widget state), and
``tests/test_notebooks_meta.py`` fails when a notebook differs from what this script writes.
``python notebooks/build.py --check`` only reports the differences.

The playground notebook is written twice: ``notebooks/02-playground.ipynb`` and, as package data
for ``nbconnect demo``, ``nbconnect/data/playground.ipynb``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# -- 01 · connect -----------------------------------------------------------------------------------

CONNECT = [
    (
        "md",
        """
        # 1 · Connect to LLM providers

        nbconnect keeps your provider connections in an **Organization**: a private store file
        (mode 0600) holding one entry per connection. This notebook shows the connections panel,
        discovery from environment variables, verification, and the rules an organization enforces.

        It runs as it is, offline: it uses a throw-away store in a temporary folder and the built-in
        **Demo** connection, whose models answer locally without a key. The cells marked *with real
        keys* skip themselves when no key is set.
        """,
    ),
    (
        "code",
        """
        import os
        import tempfile
        from pathlib import Path

        import nbconnect as nbc

        # A throw-away store for this tutorial. Without path=, nbc.Organization() uses your own store
        # ($NBCONNECT_HOME, else the user config dir), where connections are kept between sessions.
        store = Path(tempfile.mkdtemp(prefix="nbconnect-tutorial-")) / "connections.json"
        org = nbc.Organization(path=store)
        org
        """,
    ),
    (
        "md",
        """
        ## The Demo connection

        `nbc.Demo()` stands in for a provider: no key, no network, answers made up locally from the
        words of the input. Its three models differ on purpose, so that comparing them shows something:

        | model | behaves like |
        |---|---|
        | `demo-careful` | slow and pricier; reads the text; always follows the schema (native JSON schema) |
        | `demo-fast` | quick and cheap; guesses more; no native JSON schema, breaks it now and then |
        | `demo-echo` | free and quickest; mostly guesses; sometimes runs out of tokens |
        """,
    ),
    (
        "code",
        """
        org.add(nbc.Demo())
        org.models()
        """,
    ),
    (
        "md",
        """
        ## The connections panel

        One form per provider, with the fields that provider needs and links to where each value is
        found. **Test** checks the values against the provider without saving; **Save** adds the
        connection to the organization (and its store). Keys go from the form straight to the store:
        they never enter the notebook file or the widget state, and the panel shows only a masked
        hint (the last 4 characters).
        """,
    ),
    (
        "code",
        """
        panel = nbc.ConnectionsPanel(org)
        panel
        """,
    ),
    (
        "md",
        """
        ## Verify

        `org.verify()` checks every connection with the cheapest real request (usually listing the
        models), concurrently, and remembers the outcome; the panel and the model picker show it.
        A failing check says what to fix and which field it concerns.
        """,
    ),
    (
        "code",
        """
        for check in org.verify().values():
            print(check)
        """,
    ),
    (
        "md",
        """
        ## Connections from environment variables

        `org.add_from_env()` reads the variables the official SDKs read:

        | provider | variables |
        |---|---|
        | OpenAI | `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`) |
        | Anthropic | `ANTHROPIC_API_KEY` (+ `ANTHROPIC_BASE_URL`) |
        | Gemini | `GOOGLE_API_KEY` or `GEMINI_API_KEY` |
        | Vertex AI | `GOOGLE_APPLICATION_CREDENTIALS` (+ `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`) |
        | Azure OpenAI | `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_DEPLOYMENT` (+ `OPENAI_API_VERSION`) |
        | Azure AI Foundry | `AZURE_AI_CHAT_ENDPOINT`, `AZURE_AI_CHAT_KEY`, `AZURE_AI_CHAT_MODEL` |

        What it finds stays in memory, marked as coming from the environment, unless `save=True`;
        it never replaces a connection you already have. Here it reads a dictionary instead of the
        real environment, so the cell gives the same result everywhere. The keys are made up and
        nothing is sent anywhere.
        """,
    ),
    (
        "code",
        """
        scratch = nbc.Organization(persist=False)  # in memory only: nothing is written anywhere
        report = scratch.add_from_env({"ANTHROPIC_API_KEY": "made-up-key-1234", "GEMINI_API_KEY": "made-up-key-5678"})
        print(report)
        for conn in scratch:
            print(f"{conn.name:<10} {conn.title:<10} key {conn.hint}  (from the {conn.source})")
        """,
    ),
    (
        "md",
        """
        Secrets stay secret: a connection's repr, str, errors and the tables nbconnect builds show
        the masked hint, never the key.
        """,
    ),
    (
        "code",
        """
        scratch["anthropic"]
        """,
    ),
    (
        "md",
        """
        ## The rules of an organization

        Model references start with the connection's name (`"openai:gpt-4.1-mini"`), so names are
        unique, and some providers are held once:

        | provider | how many |
        |---|---|
        | OpenAI, Gemini, Vertex AI, Anthropic (and the Demo) | one per organization, named after the provider |
        | Azure OpenAI | one per deployment (each deployment serves one model) |
        | Azure AI Foundry | one per model |
        | Custom LLM | one per model name (the name must equal the server's model id) |

        A second connection where only one is allowed is refused with a message saying how to
        replace or remove the first.
        """,
    ),
    (
        "code",
        """
        try:
            org.add(nbc.Demo(seed=1))
        except nbc.OrganizationRuleError as err:
            print(err)
        """,
    ),
    (
        "code",
        """
        # Several custom servers are fine, one per model name. Nothing is contacted until you verify.
        org.add(nbc.CustomLLM(name="llama3.2", endpoint="http://localhost:11434/v1"))
        org.add(nbc.CustomLLM(name="qwen2.5:7b", endpoint="http://localhost:8000/v1"))
        org.models()
        """,
    ),
    (
        "code",
        """
        org.add(nbc.Demo(latency=0.01), replace=True)  # replace the demo connection by a faster one
        org.remove("llama3.2")
        org.remove("qwen2.5:7b")
        org
        """,
    ),
    (
        "md",
        """
        ## The store on disk

        Every change is written at once, atomically, to a file only you can read. In a terminal,
        `nbconnect list` shows what a store holds, with masked keys (`--env` adds what the
        environment variables describe).
        """,
    ),
    (
        "code",
        """
        print(org.path, oct(org.path.stat().st_mode & 0o777))
        # in a terminal: nbconnect list --store <path>
        %run -m nbconnect list --store {org.path}
        """,
    ),
    (
        "md",
        """
        ## With real keys

        The same steps with your own providers. This cell runs only when `OPENAI_API_KEY` is set
        (any variable of the table above works the same way) and skips itself otherwise.
        """,
    ),
    (
        "code",
        """
        if os.environ.get("OPENAI_API_KEY"):
            real = nbc.Organization(persist=False)  # nbc.Organization() would use, and save to, your own store
            print(real.add_from_env())
            for check in real.verify().values():
                print(check)
            print(real.models())
        else:
            print("OPENAI_API_KEY is not set: skipped.")
        """,
    ),
    (
        "md",
        """
        Next: **2 · The Playground** (`02-playground.ipynb`) runs one prompt over many rows and models.
        """,
    ),
]

# -- 02 · playground --------------------------------------------------------------------------------

PLAYGROUND = [
    (
        "md",
        """
        # 2 · The Playground

        One prompt template, many input rows, many models; the answers constrained by one JSON schema
        and compared side by side. This notebook runs offline on the built-in **Demo** connection
        (no key needed); the last cell shows the same with real providers when a key is set.
        """,
    ),
    (
        "code",
        """
        import os

        import nbconnect as nbc
        from nbconnect.data import reviews

        df = reviews()
        df.head()
        """,
    ),
    (
        "md",
        """
        `nbconnect.data.reviews()` is a small dataset shipped with nbconnect: 80 short product reviews
        written for it, labelled by hand with the overall sentiment (`gold_sentiment`: positive,
        negative or neutral/mixed) and the aspects each review talks about (`gold_aspects`, from
        battery, price, screen, delivery, quality, service, size, design, sound, comfort). The ground
        truth columns start with `gold_` so they never clash with the answer fields `sentiment` and
        `aspects`.
        """,
    ),
    (
        "code",
        """
        df["gold_sentiment"].value_counts()
        """,
    ),
    (
        "md",
        """
        ## Open the playground

        From the top: the **models** to compare; the **prompt** (`{product}` and `{text}` are filled
        from each row; a chip turns red when the data has no such column); the **schema** the answers
        must follow, and how each model will enforce it; the **data** (all rows, the first N, a random
        sample, or only the cells still missing) and the ground-truth column; the **options**; the
        number of calls and the estimated cost; **Run** / **Stop** with live progress; and, after a
        run, the answers side by side (differences highlighted, wrong answers marked, a click on a
        cell shows the raw output), a summary per model and a plot.
        """,
    ),
    (
        "code",
        """
        org = nbc.Organization.demo()  # offline demo models, in memory (real providers: 01-connect.ipynb)
        PROMPT = "Read this review of a {product} and answer in JSON.\\n\\nReview: {text}"
        SCHEMA = "sentiment: positive|negative|neutral, aspects: list[str], confidence: float"

        pg = nbc.Playground(
            org,
            data=df,
            prompt=PROMPT,
            schema=SCHEMA,
            models=org.models(),
            truth="gold_sentiment",
            cache=False,  # ask again on every run (the default, True, reuses earlier answers)
        )
        pg
        """,
    ),
    (
        "md",
        """
        ## Run

        Press **Run** above, or call `pg.run()`: it returns at once and the run goes on in the
        background, so the kernel stays free and other cells keep working while answers come in.
        """,
    ),
    (
        "code",
        """
        pg.run()
        """,
    ),
    (
        "code",
        """
        pg.results  # what has finished so far: a Results that grows while the run goes on
        """,
    ),
    (
        "md",
        """
        `pg.wait()` blocks until the run is over (handy in scripts and here, so that the next cells
        see every answer; while it waits, the Stop button cannot be heard). `pg.results` is the same
        `Results` object that `nbc.run` returns: a tidy DataFrame in `.df`, and the views of
        `03-compare-models.ipynb`.
        """,
    ),
    (
        "code",
        """
        results = pg.wait(timeout=300)
        results.summary(truth="gold_sentiment")
        """,
    ),
    (
        "code",
        """
        results.score(truth={"sentiment": "gold_sentiment", "aspects": "gold_aspects"})
        """,
    ),
    (
        "md",
        """
        ## With real keys

        The same playground with a real model beside the demo ones. This cell runs only when
        `OPENAI_API_KEY` is set, and skips itself otherwise.
        """,
    ),
    (
        "code",
        """
        if os.environ.get("OPENAI_API_KEY"):
            real = nbc.Organization(persist=False)  # nbc.Organization() would use your saved connections
            real.add_from_env()
            real.add(nbc.Demo())
            real_pg = nbc.Playground(
                real,
                data=df,
                prompt=PROMPT,
                schema=SCHEMA,
                models=["openai:gpt-4.1-mini", "demo:demo-careful"],
                truth="gold_sentiment",
            )
            display(real_pg)
        else:
            print("OPENAI_API_KEY is not set: skipped.")
        """,
    ),
]

# -- 03 · compare models ----------------------------------------------------------------------------

COMPARE = [
    (
        "md",
        """
        # 3 · Compare models in code

        The Playground is a view over plain Python: `nbc.run` runs a prompt template over every row
        of a DataFrame with every model and returns `Results`, with tables to compare models on
        agreement, accuracy against ground truth, validity, latency, tokens and cost. This notebook
        runs offline on the **Demo** connection; the last cell does the same with real providers
        when keys are set.
        """,
    ),
    (
        "code",
        """
        import tempfile
        from pathlib import Path
        from typing import Literal

        import pandas as pd
        from pydantic import BaseModel, Field

        import nbconnect as nbc
        from nbconnect.data import ASPECTS, reviews

        df = reviews()
        org = nbc.Organization.demo()
        out = Path(tempfile.mkdtemp(prefix="nbconnect-compare-"))  # where the exports go
        org.models()
        """,
    ),
    (
        "md",
        """
        ## The schema and the prompt

        One schema for every provider: a pydantic class (as here), a JSON Schema dict, or the short
        form `"sentiment: positive|negative|neutral, aspects: list[str], confidence: float"`.
        Each provider gets it in the form it accepts, and every answer is validated locally.
        The input columns (`gold_sentiment`, `gold_aspects`) must not share a name with a schema field.
        """,
    ),
    (
        "code",
        """
        class Review(BaseModel):
            \"\"\"What a product review says.\"\"\"

            sentiment: Literal["positive", "negative", "neutral"] = Field(
                description="overall tone; neutral for mixed or factual reviews"
            )
            aspects: list[str] = Field(description="aspects the review talks about, from: " + ", ".join(ASPECTS))
            confidence: float = Field(ge=0, le=1, description="how sure you are of the sentiment")


        PROMPT = "Read this review of a {product} and answer in JSON.\\n\\nReview: {text}"
        """,
    ),
    (
        "md",
        """
        ## Before spending anything

        `dry_run=True` (or `nbc.estimate`) counts the calls, tokens and cost without sending anything.
        """,
    ),
    (
        "code",
        """
        nbc.run(PROMPT, data=df, schema=Review, models=org.models(), org=org, dry_run=True)
        """,
    ),
    (
        "md",
        """
        ## Run

        One call per (row, model), concurrently, with retries, a per-connection limit, an optional
        budget (`budget_usd=`) and a cache. `cache=False` here so that every run asks again; by
        default a rerun reuses the answers it already has and pays only for what is missing.
        """,
    ),
    (
        "code",
        """
        results = nbc.run(PROMPT, data=df, schema=Review, models=org.models(), org=org, temperature=0, cache=False)
        results
        """,
    ),
    (
        "md",
        """
        `results.df` is tidy: one row per input row × model, the input columns, one column per schema
        field, then the bookkeeping (`_valid`, `_error`, `_latency_s`, `_cost_usd`, `_raw`...).
        """,
    ),
    (
        "code",
        """
        results.df.head()
        """,
    ),
    (
        "md",
        """
        ## Side by side

        `compare(field)` puts one column per model; below, only the rows where the models disagree.
        """,
    ),
    (
        "code",
        """
        wide = results.compare("sentiment")
        disagree = wide[wide[results.models].astype(str).nunique(axis=1) > 1]
        print(f"{len(disagree)} of {len(wide)} reviews get different answers")
        disagree[["text", "gold_sentiment", *results.models]].head(10)
        """,
    ),
    (
        "md",
        """
        `agreement(field)` is the share of rows on which two models give the same answer (lists
        compare as sets); `truth=` adds the ground truth as one more "model".
        """,
    ),
    (
        "code",
        """
        results.agreement("sentiment", truth="gold_sentiment").round(2)
        """,
    ),
    (
        "md",
        """
        ## Against the ground truth

        `score(truth=...)` scores each model on each field: accuracy and macro precision / recall / F1
        for categories, Jaccard overlap for lists, mean absolute error for numbers. Invalid or failed
        answers count as wrong. `per_class=True` breaks the categories down.
        """,
    ),
    (
        "code",
        """
        truth = {"sentiment": "gold_sentiment", "aspects": "gold_aspects"}
        results.score(truth=truth).round(3)
        """,
    ),
    (
        "code",
        """
        results.score(truth=truth, field="sentiment", per_class=True).round(3)
        """,
    ),
    (
        "md",
        """
        ## Summary, failures and the plot

        Per model: valid %, errors by type, accuracy, latency p50 / p95, tokens and cost.
        """,
    ),
    (
        "code",
        """
        results.summary(truth="gold_sentiment")  # accuracy here: of the sentiment
        """,
    ),
    (
        "code",
        """
        results.failed()[["row", "model", "_error_type", "_error"]].head()
        """,
    ),
    (
        "code",
        """
        results.plot(truth="gold_sentiment")
        """,
    ),
    (
        "md",
        """
        ## Export

        `to_csv` writes lists and dicts as JSON text; `save` writes Parquet (or JSON Lines) keeping
        the dtypes and the run's metadata, and `nbc.Results.load` reads it back whole.
        """,
    ),
    (
        "code",
        """
        results.to_csv(out / "results.csv")
        results.save(out / "results.parquet")

        again = nbc.Results.load(out / "results.parquet")
        assert again.df.equals(results.df)
        print(sorted(p.name for p in out.iterdir()))
        pd.read_csv(out / "results.csv").head(3)
        """,
    ),
    (
        "md",
        """
        ## With real keys

        The same comparison with the providers whose keys are in the environment (`OPENAI_API_KEY`,
        `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`...), on the first 20 reviews and with a budget. It skips
        itself when no key is set.
        """,
    ),
    (
        "code",
        """
        real = nbc.Organization(persist=False)  # nbc.Organization() would use your saved connections
        real.add_from_env()
        candidates = {
            "openai": "openai:gpt-4.1-mini",
            "anthropic": "anthropic:claude-haiku-4-5",
            "gemini": "gemini:gemini-2.5-flash",
        }
        models = [ref for name, ref in candidates.items() if name in real]
        if models:
            print(nbc.estimate(PROMPT, data=df.head(20), schema=Review, models=models, org=real))
            real_results = nbc.run(PROMPT, data=df.head(20), schema=Review, models=models, org=real, budget_usd=0.5)
            display(real_results.score(truth=truth), real_results.summary(truth=truth))
        else:
            print("No OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY set: skipped.")
        """,
    ),
]

# -- 04 · custom LLM --------------------------------------------------------------------------------

CUSTOM = [
    (
        "md",
        """
        # 4 · Your own model server: Ollama, vLLM, SGLang, llama.cpp

        `nbc.CustomLLM` connects any server that speaks the OpenAI chat-completions format. It needs:

        - `name`: the model id **exactly as the server reports it** in `GET /v1/models`;
        - `endpoint`: the OpenAI-format base URL, **ending in `/v1`**;
        - optionally `api_key` (sent as `Authorization: Bearer`) and `auth_token` (a server-level
          token for a gateway in front of the server).

        | server | default endpoint | the name is |
        |---|---|---|
        | Ollama | `http://localhost:11434/v1` | the model tag, e.g. `llama3.2` or `llama3.2:latest` |
        | vLLM | `http://localhost:8000/v1` | the served model (`--served-model-name`, else the model path) |
        | SGLang | `http://localhost:30000/v1` | the served model |
        | llama.cpp `llama-server` | `http://127.0.0.1:<port>/v1` (set `--port`) | `--alias`, else the model file path |

        To stay offline, this notebook starts `FakeProvider` from `nbconnect.testing`: a real HTTP
        server on 127.0.0.1 that answers in the OpenAI format, standing in for Ollama, vLLM, SGLang or
        llama.cpp. Its answers follow the requested schema but are made up; only the plumbing is real.
        """,
    ),
    (
        "code",
        """
        import os

        import nbconnect as nbc
        from nbconnect.data import reviews
        from nbconnect.testing import FakeProvider, Fault

        server = FakeProvider(models={"openai": ["llama3.2:latest", "qwen2.5:7b", "phi3:mini"]}).start()
        server.url
        """,
    ),
    (
        "code",
        """
        org = nbc.Organization(persist=False)
        llama = org.add(nbc.CustomLLM(name="llama3.2:latest", endpoint=server.url + "/v1"))
        llama
        """,
    ),
    (
        "md",
        """
        ## Verify, and the JSON-mode requirement

        nbconnect requires JSON mode from a custom server: it must accept `response_format` and answer
        with JSON. The original requirement names the form
        `{"response_format": {"type": "json_object", "schema": <schema>}}`; today's servers more often
        take the OpenAI form `{"type": "json_schema", "json_schema": {"name": ..., "schema": <schema>}}`.
        `verify()` checks that the server lists the model id, then proves JSON mode with one tiny call;
        a server that refuses every form, or answers without JSON, fails the check with a message
        saying what to change.
        """,
    ),
    (
        "code",
        """
        print(org.verify()["llama3.2:latest"])
        server.requests[-1].json["response_format"]  # what the JSON-mode probe sent
        """,
    ),
    (
        "md",
        """
        ## What `json_mode` does

        | `json_mode` | the request carries | for |
        |---|---|---|
        | `"auto"` (default) | the three forms below, tried in this order until the server accepts one | any server |
        | `"json_schema"` | `{"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}` | Ollama, vLLM, SGLang, llama.cpp |
        | `"json_object_schema"` | `{"type": "json_object", "schema": <schema>}` (the original requirement's form) | llama.cpp, llama-cpp-python, some hosted APIs |
        | `"json_object"` | `{"type": "json_object"}`, with the schema spelled out in the system prompt | servers with plain JSON mode only |

        With `auto`, the form that worked is remembered per endpoint and model for the rest of the
        session, so the probing happens once. Whatever the form, every answer is validated against
        the schema locally: a server that ignores the schema shows up as invalid answers, never as
        silently wrong ones.

        `auto` at work: a second model on the same server, which answers the first form with a 400,
        the way an older llama.cpp would. nbconnect falls back to the next form.
        """,
    ),
    (
        "code",
        """
        message = "response_format type json_schema is not supported"
        server.script("/chat/completions", [Fault("status", status=400, message=message, param="response_format")])

        qwen = org.add(nbc.CustomLLM(name="qwen2.5:7b", endpoint=server.url + "/v1"))
        print(qwen.verify())
        for r in server.requests:
            if r.json and r.json.get("model") == qwen.name:
                form = r.json["response_format"]
                print(form["type"], "+ schema" if "schema" in form else "", "->", "400" if r.fault else "accepted")
        """,
    ),
    (
        "md",
        """
        ## Run a few rows

        A custom connection serves one model, so its model reference is just its name. The
        `_enforcement` column says which form each answer came through.
        """,
    ),
    (
        "code",
        """
        PROMPT = "Read this review of a {product} and answer in JSON.\\n\\nReview: {text}"
        SCHEMA = "sentiment: positive|negative|neutral, aspects: list[str], confidence: float"

        models = ["llama3.2:latest", "qwen2.5:7b"]
        results = nbc.run(PROMPT, data=reviews().head(5), schema=SCHEMA, models=models, org=org, cache=False)
        results.df[["row", "model", "sentiment", "aspects", "_valid", "_enforcement", "_latency_s"]]
        """,
    ),
    (
        "md",
        """
        Forcing a form skips the probing. Plain `json_object` constrains nothing on the server: the
        schema is only written into the prompt. The stand-in server does not read it (as a careless
        model might not), so its answers fail the local validation, and the table says why.
        """,
    ),
    (
        "code",
        """
        phi = org.add(nbc.CustomLLM(name="phi3:mini", endpoint=server.url + "/v1", json_mode="json_object"))
        plain = nbc.run(PROMPT, data=reviews().head(3), schema=SCHEMA, models=[phi.name], org=org, cache=False)
        print(server.requests[-1].json["messages"][0]["content"][:200], "...")
        plain.df[["row", "model", "_valid", "_enforcement", "_error", "_raw"]]
        """,
    ),
    (
        "code",
        """
        server.stop()
        """,
    ),
    (
        "md",
        """
        ## With a real server

        With Ollama running (`ollama pull llama3.2`, then `ollama serve`), set `TRY_OLLAMA = True`.
        The endpoint must be reachable from the machine that runs the kernel, and the name must equal
        what `GET /v1/models` lists.
        """,
    ),
    (
        "code",
        """
        TRY_OLLAMA = False

        if TRY_OLLAMA:
            endpoint = os.environ.get("OLLAMA_URL", "http://localhost:11434/v1")
            local = nbc.Organization(persist=False)
            local.add(nbc.CustomLLM(name="llama3.2:latest", endpoint=endpoint))
            print(local.verify()["llama3.2:latest"])
            local_results = nbc.run(
                PROMPT, data=reviews().head(10), schema=SCHEMA, models=["llama3.2:latest"], org=local
            )
            display(local_results.score(truth={"sentiment": "gold_sentiment", "aspects": "gold_aspects"}))
        else:
            print("TRY_OLLAMA is False: skipped.")
        """,
    ),
]

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01-connect": CONNECT,
    "02-playground": PLAYGROUND,
    "03-compare-models": COMPARE,
    "04-custom-llm": CUSTOM,
}
#: where each notebook is written, relative to the repository
TARGETS: dict[str, list[str]] = {name: [f"notebooks/{name}.ipynb"] for name in NOTEBOOKS}
TARGETS["02-playground"].append("nbconnect/data/playground.ipynb")


def notebook(name: str, cells: list[tuple[str, str]]) -> str:
    """The notebook's file text: fixed cell ids, no outputs, no widget state."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells):
        text = dedent(source).strip("\n")
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(text, id=f"{name}-{i:02d}"))
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def render() -> dict[Path, str]:
    """Every file this script writes (absolute path) and its text."""
    return {
        REPO / target: notebook(name, NOTEBOOKS[name])
        for name, targets in TARGETS.items()
        for target in targets
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in render().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(REPO))
        if not check:
            path.write_text(text, encoding="utf-8", newline="\n")
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
