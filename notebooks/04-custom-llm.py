# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4 · Your own model server: Ollama, vLLM, SGLang, llama.cpp
#
# `nbc.CustomLLM` connects any server that speaks the OpenAI chat-completions format. It needs:
#
# - `name`: the model id **exactly as the server reports it** in `GET /v1/models`;
# - `endpoint`: the OpenAI-format base URL, **ending in `/v1`**;
# - optionally `api_key` (sent as `Authorization: Bearer`) and `auth_token` (a server-level
#   token for a gateway in front of the server).
#
# | server | default endpoint | the name is |
# |---|---|---|
# | Ollama | `http://localhost:11434/v1` | the model tag, e.g. `llama3.2` or `llama3.2:latest` |
# | vLLM | `http://localhost:8000/v1` | the served model (`--served-model-name`, else the model path) |
# | SGLang | `http://localhost:30000/v1` | the served model |
# | llama.cpp `llama-server` | `http://127.0.0.1:<port>/v1` (set `--port`) | `--alias`, else the model file path |
#
# To stay offline, this notebook starts `FakeProvider` from `nbconnect.testing`: a real HTTP
# server on 127.0.0.1 that answers in the OpenAI format, standing in for Ollama, vLLM, SGLang or
# llama.cpp. Its answers follow the requested schema but are made up; only the plumbing is real.

# %%
import os

from IPython.display import display

import nbconnect as nbc
from nbconnect.data import reviews
from nbconnect.testing import FakeProvider, Fault

server = FakeProvider(models={"openai": ["llama3.2:latest", "qwen2.5:7b", "phi3:mini"]}).start()
server.url

# %%
org = nbc.Organization(persist=False)
llama = org.add(nbc.CustomLLM(name="llama3.2:latest", endpoint=server.url + "/v1"))
llama

# %% [markdown]
# ## Verify, and the JSON-mode requirement
#
# nbconnect requires JSON mode from a custom server: it must accept `response_format` and answer
# with JSON. The original requirement names the form
# `{"response_format": {"type": "json_object", "schema": <schema>}}`; today's servers more often
# take the OpenAI form `{"type": "json_schema", "json_schema": {"name": ..., "schema": <schema>}}`.
# `verify()` checks that the server lists the model id, then proves JSON mode with one tiny call;
# a server that refuses every form, or answers without JSON, fails the check with a message
# saying what to change.

# %%
# NBVAL_CHECK_OUTPUT
print(org.verify()["llama3.2:latest"])
server.requests[-1].json["response_format"]  # what the JSON-mode probe sent

# %% [markdown]
# ## What `json_mode` does
#
# | `json_mode` | the request carries | for |
# |---|---|---|
# | `"auto"` (default) | the three forms below, tried in this order until the server accepts one | any server |
# | `"json_schema"` | `{"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}` | Ollama, vLLM, SGLang, llama.cpp |
# | `"json_object_schema"` | `{"type": "json_object", "schema": <schema>}` (the original requirement's form) | llama.cpp, llama-cpp-python, some hosted APIs |
# | `"json_object"` | `{"type": "json_object"}`, with the schema spelled out in the system prompt | servers with plain JSON mode only |
#
# With `auto`, the form that worked is remembered per endpoint and model for the rest of the
# session, so the probing happens once. Whatever the form, every answer is validated against
# the schema locally: a server that ignores the schema shows up as invalid answers, never as
# silently wrong ones.
#
# `auto` at work: a second model on the same server, which answers the first form with a 400,
# the way an older llama.cpp would. nbconnect falls back to the next form.

# %%
# NBVAL_CHECK_OUTPUT
message = "response_format type json_schema is not supported"
server.script("/chat/completions", [Fault("status", status=400, message=message, param="response_format")])

qwen = org.add(nbc.CustomLLM(name="qwen2.5:7b", endpoint=server.url + "/v1"))
print(qwen.verify())
for r in server.requests:
    if r.json and r.json.get("model") == qwen.name:
        form = r.json["response_format"]
        print(form["type"], "+ schema" if "schema" in form else "", "->", "400" if r.fault else "accepted")

# %% [markdown]
# ## Run a few rows
#
# A custom connection serves one model, so its model reference is just its name. The
# `_enforcement` column says which form each answer came through.

# %%
PROMPT = "Read this review of a {product} and answer in JSON.\n\nReview: {text}"
SCHEMA = "sentiment: positive|negative|neutral, aspects: list[str], confidence: float"

models = ["llama3.2:latest", "qwen2.5:7b"]
results = nbc.run(PROMPT, data=reviews().head(5), schema=SCHEMA, models=models, org=org, cache=False)

# %%
# NBVAL_CHECK_OUTPUT
results.df[["row", "model", "sentiment", "aspects", "_valid", "_enforcement"]]

# %% [markdown]
# Forcing a form skips the probing. Plain `json_object` constrains nothing on the server: the
# schema is only written into the prompt. The stand-in server does not read it (as a careless
# model might not), so its answers fail the local validation, and the table says why.

# %%
phi = org.add(nbc.CustomLLM(name="phi3:mini", endpoint=server.url + "/v1", json_mode="json_object"))
plain = nbc.run(PROMPT, data=reviews().head(3), schema=SCHEMA, models=[phi.name], org=org, cache=False)

# %%
# NBVAL_CHECK_OUTPUT
print(server.requests[-1].json["messages"][0]["content"][:200], "...")
plain.df[["row", "model", "_valid", "_enforcement", "_error", "_raw"]]

# %%
server.stop()

# %% [markdown]
# ## With a real server
#
# With Ollama running (`ollama pull llama3.2`, then `ollama serve`), set `TRY_OLLAMA = True`.
# The endpoint must be reachable from the machine that runs the kernel, and the name must equal
# what `GET /v1/models` lists.

# %%
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
