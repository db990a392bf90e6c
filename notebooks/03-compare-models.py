# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3 · Compare models in code
#
# The Playground is a view over plain Python: `nbc.run` runs a prompt template over every row
# of a DataFrame with every model and returns `Results`, with tables to compare models on
# agreement, accuracy against ground truth, validity, latency, tokens and cost. This notebook
# runs offline on the **Demo** connection; the last cell does the same with real providers
# when keys are set.

# %%
import tempfile
from pathlib import Path
from typing import Literal

import pandas as pd
from IPython.display import display
from pydantic import BaseModel, Field

import nbconnect as nbc
from nbconnect.data import ASPECTS, reviews

df = reviews()
org = nbc.Organization.demo()
out = Path(tempfile.mkdtemp(prefix="nbconnect-compare-"))  # where the exports go
org.models()


# %% [markdown]
# ## The schema and the prompt
#
# One schema for every provider: a pydantic class (as here), a JSON Schema dict, or the short
# form `"sentiment: positive|negative|neutral, aspects: list[str], confidence: float"`.
# Each provider gets it in the form it accepts, and every answer is validated locally.
# The input columns (`gold_sentiment`, `gold_aspects`) must not share a name with a schema field.


# %%
class Review(BaseModel):
    """What a product review says."""

    sentiment: Literal["positive", "negative", "neutral"] = Field(
        description="overall tone; neutral for mixed or factual reviews"
    )
    aspects: list[str] = Field(description="aspects the review talks about, from: " + ", ".join(ASPECTS))
    confidence: float = Field(ge=0, le=1, description="how sure you are of the sentiment")


PROMPT = "Read this review of a {product} and answer in JSON.\n\nReview: {text}"

# %% [markdown]
# ## Before spending anything
#
# `dry_run=True` (or `nbc.estimate`) counts the calls, tokens and cost without sending anything.

# %%
# NBVAL_CHECK_OUTPUT
nbc.run(PROMPT, data=df, schema=Review, models=org.models(), org=org, dry_run=True)

# %% [markdown]
# ## Run
#
# One call per (row, model), concurrently, with retries, a per-connection limit, an optional
# budget (`budget_usd=`) and a cache. `cache=False` here so that every run asks again; by
# default a rerun reuses the answers it already has and pays only for what is missing.

# %%
results = nbc.run(PROMPT, data=df, schema=Review, models=org.models(), org=org, temperature=0, cache=False)
results

# %% [markdown]
# `results.df` is tidy: one row per input row × model, the input columns, one column per schema
# field, then the bookkeeping (`_valid`, `_error`, `_latency_s`, `_cost_usd`, `_raw`...).

# %%
results.df.head()

# %% [markdown]
# ## Side by side
#
# `compare(field)` puts one column per model; below, only the rows where the models disagree.

# %%
# NBVAL_CHECK_OUTPUT
wide = results.compare("sentiment")
disagree = wide[wide[results.models].astype(str).nunique(axis=1) > 1]
print(f"{len(disagree)} of {len(wide)} reviews get different answers")
disagree[["text", "gold_sentiment", *results.models]].head(10)

# %% [markdown]
# `agreement(field)` is the share of rows on which two models give the same answer (lists
# compare as sets); `truth=` adds the ground truth as one more "model".

# %%
# NBVAL_CHECK_OUTPUT
results.agreement("sentiment", truth="gold_sentiment").round(2)

# %% [markdown]
# ## Against the ground truth
#
# `score(truth=...)` scores each model on each field: accuracy and macro precision / recall / F1
# for categories, Jaccard overlap for lists, mean absolute error for numbers. Invalid or failed
# answers count as wrong. `per_class=True` breaks the categories down.

# %%
# NBVAL_CHECK_OUTPUT
truth = {"sentiment": "gold_sentiment", "aspects": "gold_aspects"}
results.score(truth=truth).round(3)

# %%
# NBVAL_CHECK_OUTPUT
results.score(truth=truth, field="sentiment", per_class=True).round(3)

# %% [markdown]
# ## Summary, failures and the plot
#
# Per model: valid %, errors by type, accuracy, latency p50 / p95, tokens and cost.

# %%
summary = results.summary(truth="gold_sentiment")  # accuracy here: of the sentiment
summary

# %%
# NBVAL_CHECK_OUTPUT
# all but the latency comes out the same on every run of the Demo: the tests check these numbers
summary[
    ["valid_pct", "errors", "errors_by_type", "accuracy", "input_tokens", "output_tokens", "cost_usd"]
].round(4)

# %%
# NBVAL_CHECK_OUTPUT
results.failed()[["row", "model", "_error_type", "_error"]].head()

# %%
results.plot(truth="gold_sentiment")

# %% [markdown]
# ## Export
#
# `to_csv` writes lists and dicts as JSON text; `save` writes Parquet (or JSON Lines) keeping
# the dtypes and the run's metadata, and `nbc.Results.load` reads it back whole.

# %%
results.to_csv(out / "results.csv")
results.save(out / "results.parquet")

again = nbc.Results.load(out / "results.parquet")
assert again.df.equals(results.df)
print(sorted(p.name for p in out.iterdir()))
pd.read_csv(out / "results.csv").head(3)

# %% [markdown]
# ## With real keys
#
# The same comparison with the providers whose keys are in the environment (`OPENAI_API_KEY`,
# `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`...), on the first 20 reviews and with a budget. It skips
# itself when no key is set.

# %%
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
