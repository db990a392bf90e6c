# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · Connect to LLM providers
#
# nbconnect keeps your provider connections in an **Organization**: a private store file
# (mode 0600) holding one entry per connection. This notebook shows the connections panel,
# discovery from environment variables, verification, and the rules an organization enforces.
#
# It runs as it is, offline: it uses a throw-away store in a temporary folder and the built-in
# **Demo** connection, whose models answer locally without a key. The cells marked *with real
# keys* skip themselves when no key is set.

# %%
import os
import tempfile
from pathlib import Path

import nbconnect as nbc

# A throw-away store for this tutorial. Without path=, nbc.Organization() uses your own store
# ($NBCONNECT_HOME, else the user config dir), where connections are kept between sessions.
store = Path(tempfile.mkdtemp(prefix="nbconnect-tutorial-")) / "connections.json"
org = nbc.Organization(path=store)
org

# %% [markdown]
# ## The Demo connection
#
# `nbc.Demo()` stands in for a provider: no key, no network, answers made up locally from the
# words of the input. Its three models differ on purpose, so that comparing them shows something:
#
# | model | behaves like |
# |---|---|
# | `demo-careful` | slow and pricier; reads the text; always follows the schema (native JSON schema) |
# | `demo-fast` | quick and cheap; guesses more; no native JSON schema, breaks it now and then |
# | `demo-echo` | free and quickest; mostly guesses; sometimes runs out of tokens |

# %%
# NBVAL_CHECK_OUTPUT
org.add(nbc.Demo())
org.models()

# %% [markdown]
# ## The connections panel
#
# One form per provider, with the fields that provider needs and links to where each value is
# found. **Test** checks the values against the provider without saving; **Save** adds the
# connection to the organization (and its store). Keys go from the form straight to the store:
# they never enter the notebook file or the widget state, and the panel shows only a masked
# hint (the last 4 characters).

# %%
panel = nbc.ConnectionsPanel(org)
panel

# %% [markdown]
# ## Verify
#
# `org.verify()` checks every connection with the cheapest real request (usually listing the
# models), concurrently, and remembers the outcome; the panel and the model picker show it.
# A failing check says what to fix and which field it concerns.

# %%
# NBVAL_CHECK_OUTPUT
for check in org.verify().values():
    print(check)

# %% [markdown]
# ## Connections from environment variables
#
# `org.add_from_env()` reads the variables the official SDKs read, plus one of nbconnect's own
# (`NBCONNECT_VERTEX_BATCH_BUCKET`: the Cloud Storage bucket Vertex AI batch runs go through).
# The ones after "+" are optional:
#
# | provider | variables |
# |---|---|
# | OpenAI | `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`) |
# | Anthropic | `ANTHROPIC_API_KEY` (+ `ANTHROPIC_BASE_URL`) |
# | Gemini | `GOOGLE_API_KEY` or `GEMINI_API_KEY` |
# | Vertex AI | `GOOGLE_APPLICATION_CREDENTIALS` (+ `GOOGLE_CLOUD_PROJECT` or `GCLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`, `NBCONNECT_VERTEX_BATCH_BUCKET`) |
# | Azure OpenAI | `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT` (+ `AZURE_OPENAI_DEPLOYMENT` unless the endpoint is its target URI, `OPENAI_API_VERSION`) |
# | Azure AI Foundry | `AZURE_AI_CHAT_ENDPOINT`, `AZURE_AI_CHAT_KEY`, `AZURE_AI_CHAT_MODEL` |
#
# What it finds stays in memory, marked as coming from the environment, unless `save=True`;
# it never replaces a connection you already have. Here it reads a dictionary instead of the
# real environment, so the cell gives the same result everywhere. The keys are made up and
# nothing is sent anywhere.

# %%
# NBVAL_CHECK_OUTPUT
scratch = nbc.Organization(persist=False)  # in memory only: nothing is written anywhere
report = scratch.add_from_env({"ANTHROPIC_API_KEY": "made-up-key-1234", "GEMINI_API_KEY": "made-up-key-5678"})
print(report)
for conn in scratch:
    print(f"{conn.name:<10} {conn.title:<10} key {conn.hint}  (from the {conn.source})")

# %% [markdown]
# Secrets stay secret: a connection's repr, str, errors and the tables nbconnect builds show
# the masked hint, never the key.

# %%
scratch["anthropic"]

# %% [markdown]
# ## The rules of an organization
#
# Model references start with the connection's name (`"openai:gpt-4.1-mini"`), so names are
# unique, and some providers are held once:
#
# | provider | how many |
# |---|---|
# | OpenAI, Gemini, Vertex AI, Anthropic (and the Demo) | one per organization, named after the provider |
# | Azure OpenAI | one per deployment (each deployment serves one model) |
# | Azure AI Foundry | one per model |
# | Custom LLM | one per model name (the name must equal the server's model id) |
#
# A second connection where only one is allowed is refused with a message saying how to
# replace or remove the first.

# %%
# NBVAL_CHECK_OUTPUT
try:
    org.add(nbc.Demo(seed=1))
except nbc.OrganizationRuleError as err:
    print(err)

# %%
# NBVAL_CHECK_OUTPUT
# Several custom servers are fine, one per model name. Nothing is contacted until you verify.
org.add(nbc.CustomLLM(name="llama3.2", endpoint="http://localhost:11434/v1"))
org.add(nbc.CustomLLM(name="qwen2.5:7b", endpoint="http://localhost:8000/v1"))
org.models()

# %%
org.add(nbc.Demo(latency=0.01), replace=True)  # replace the demo connection by a faster one
org.remove("llama3.2")
org.remove("qwen2.5:7b")
org

# %% [markdown]
# ## The store on disk
#
# Every change is written at once, atomically, to a file only you can read. In a terminal,
# `nbconnect list` shows what a store holds, with masked keys (`--env` adds what the
# environment variables describe).

# %%
print(org.path, oct(org.path.stat().st_mode & 0o777))
# in a terminal: nbconnect list --store <path>
# %run -m nbconnect list --store {org.path}

# %% [markdown]
# ## With real keys
#
# The same steps with your own providers. This cell runs only when `OPENAI_API_KEY` is set
# (any variable of the table above works the same way) and skips itself otherwise.

# %%
if os.environ.get("OPENAI_API_KEY"):
    real = nbc.Organization(persist=False)  # nbc.Organization() would use, and save to, your own store
    print(real.add_from_env())
    for check in real.verify().values():
        print(check)
    print(real.models())
else:
    print("OPENAI_API_KEY is not set: skipped.")

# %% [markdown]
# Next: **2 · The Playground** (`02-playground.ipynb`) runs one prompt over many rows and models.
