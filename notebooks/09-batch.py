# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 9 · Batch runs: half price, and they survive a closed laptop
#
# Once a prompt is settled, running it over thousands of rows live is slow (rate limits) and costs
# twice what the providers charge through their batch APIs. `nbc.run(..., batch=True)` sends the
# cells of every connection that has a batch API (OpenAI, Azure OpenAI on a batch deployment,
# Anthropic, the Gemini API) through it, and the rest live.
#
# To stay offline, this notebook starts `FakeProvider` from `nbconnect.testing`: a real HTTP server
# on 127.0.0.1 that speaks the batch endpoints of all four APIs, on a clock the notebook can move
# (real batches take minutes to hours). Its answers follow the schema but are made up.

# %%
import tempfile
from pathlib import Path

import nbconnect as nbc
from nbconnect.data import reviews
from nbconnect.testing import FakeProvider

server = FakeProvider().start()
org = nbc.Organization(persist=False)
org.add(nbc.OpenAI(api_key="fake-openai", base_url=server.url + "/v1"))
org.add(nbc.Anthropic(api_key="fake-anthropic", base_url=server.url))
org.add(nbc.Gemini(api_key="fake-gemini", base_url=server.url))
org.add(nbc.CustomLLM(name="local-llama", endpoint=server.url + "/v1", json_mode="json_schema"))
cache = str(Path(tempfile.mkdtemp()) / "replies.sqlite")  # batch ids are kept in the cache database

data = reviews().head(40)
run = dict(
    data=data,
    schema="sentiment: positive|negative|neutral|mixed",
    models=["openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash", "local-llama"],
    org=org,
    cache=cache,
    batch=True,
    batch_poll=0.05,  # seconds between status checks (the default is 10)
    progress=False,
)
template = "What is the sentiment of this review? {text}"

# %% [markdown]
# ## The estimate says which connections batch, and at what price
#
# `route` is `batch` or `live:` with the reason (a custom server has no batch API); `cost_usd` is at
# batch prices where the cells are batched, `live_cost_usd` what the same calls would cost live.

# %%
# NBVAL_CHECK_OUTPUT
est = nbc.estimate(template, **run)
est.df[["calls", "route", "cost_usd", "live_cost_usd"]].round(6)

# %% [markdown]
# ## Run
#
# Each batch line is exactly the request the live path sends; the run waits for the batches
# (polling with backoff; the progress bar counts batches per state) while the live cells run.

# %%
# NBVAL_CHECK_OUTPUT
results = nbc.run(template, **run)
df = results.df
df.assign(batched=df["_batch_id"].notna()).groupby("model")[["_valid", "batched"]].sum()

# %% [markdown]
# ## After a kernel restart
#
# The batch ids and which cell went into which batch are written to the cache database as soon as
# a provider accepts a batch. Re-running the same call (or `nbc.resume(template, **same arguments)`)
# re-attaches to batches still in flight and collects finished ones; cells already answered come
# from the cache, so nothing is paid twice. `nbc.resume()` alone lists the batches it remembers.

# %%
# NBVAL_CHECK_OUTPUT
again = nbc.resume(template, **{k: v for k, v in run.items() if k != "batch"})
print("cells from the cache:", int(again.df["_cached"].sum()), "of", len(again.df))
nbc.resume(cache=cache)[["provider", "state", "lines", "collected"]].sort_values("provider").reset_index(
    drop=True
)

# %% [markdown]
# ## When a batch expires half done
#
# A batch that expires (or is cancelled, or returns a broken result line) records its cells with
# the reason; `redo=` sends only those again. Here the fake expires the next batch half done.

# %%
# NBVAL_CHECK_OUTPUT
server.batches.script(["expire_half"])
first = nbc.run(template, **{**run, "data": reviews().iloc[40:60], "models": ["openai:gpt-4.1-mini"]})
print(first.df["_error_type"].value_counts(dropna=False).to_dict())
second = nbc.run(
    template, **{**run, "data": reviews().iloc[40:60], "models": ["openai:gpt-4.1-mini"]}, redo=first
)
print("valid after redo:", int(second.df["_valid"].sum()), "of", len(second.df))

# %% [markdown]
# ## The Demo batches too
#
# The offline Demo answers OpenAI's batch endpoints in process, with the same answers as live at
# half its made-up price (its batches end with the process).

# %%
# NBVAL_CHECK_OUTPUT
demo = dict(data=data, schema=run["schema"], models=["demo:demo-careful"], progress=False)
batched = nbc.run(template, batch=True, batch_poll=0.05, cache=cache, **demo).df
live = nbc.run(template, cache=False, **demo).df
print("same answers:", (batched["sentiment"] == live["sentiment"]).all())
print(f"cost: batch ${batched['_cost_usd'].sum():.6f} vs live ${live['_cost_usd'].sum():.6f}")

# %%
server.stop()
