# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5 · Experiments: prompt versions × models, repeats, honest error bars
#
# "Is my new prompt better than the old one?" and "is model A really better than model B, or is
# that noise?" are two questions one run answers. A run takes several named **variants** of the
# prompt and its settings, runs each on every model (an *arm* is one variant on one model), asks
# every question several times (**repeats**), and the tables put n, a 95% interval and a paired
# test beside every number. This notebook runs offline on the **Demo** connection.

# %%
import pandas as pd

import nbconnect as nbc
from nbconnect.data import reviews

df = reviews()
org = nbc.Organization.demo()
MODELS = ["demo:demo-careful", "demo:demo-fast", "demo:demo-echo"]
pd.set_option("display.width", 160)

# %% [markdown]
# ## Two versions of the prompt
#
# A variant overrides what it names (`template`, `system`, `temperature`, `max_tokens`,
# `reasoning_effort`) and inherits the rest from the run's own arguments. Variant names may not
# contain `|`: arms are labelled `"variant|model"`.

# %%
PROMPT = "What is the sentiment of this review of a {product}?\n\n{text}"
VARIANTS = {
    "v1": {},  # the prompt as it is
    "v2": {
        "system": "You label product reviews. Read each review carefully before you answer.",
        "temperature": 0.7,
    },
}

# %% [markdown]
# Everything is checked before anything is sent: the templates against the columns, each
# variant's settings against the models it runs on, with an error that names the variant.

# %%
try:
    nbc.run(
        PROMPT,
        data=df,
        schema="sentiment: positive|negative|neutral",
        models=MODELS,
        org=org,
        variants={"v3": {"system": "Tone: {tone}"}},
    )
except nbc.TemplateError as err:
    print(err)

# %% [markdown]
# ## Run: 2 versions × 3 models × 3 repeats
#
# `repeats=3` asks every question three times (a `sample` column 0..2). Each sample gets its own
# seed where the API takes one and its own cache entry, so repeats are never one cached answer
# three times. `dry_run=True` counts the calls first.

# %%
# NBVAL_CHECK_OUTPUT
args = dict(
    data=df,
    schema="sentiment: positive|negative|neutral",
    models=MODELS,
    org=org,
    variants=VARIANTS,
    repeats=3,
    truth="gold_sentiment",
)
nbc.run(PROMPT, dry_run=True, **args)

# %%
results = nbc.run(PROMPT, cache=False, progress=False, **args)
results

# %%
results.df[["row", "variant", "model", "sample", "sentiment", "_valid"]].head(6)

# %% [markdown]
# ## Scores with their intervals
#
# One row per arm. `n` counts the cells scored (rows × repeats), `n_rows` the rows: the
# intervals treat the row as the unit (clustered over its repeats), so three repeats never pass
# for three times the data. Failed cells count as wrong and are counted in `n_failed`.

# %%
# NBVAL_CHECK_OUTPUT
results.score(pretty=True)

# %% [markdown]
# ## Paired comparisons
#
# `versus(a, b)` compares two arms on the rows both answered: the difference in accuracy with a
# paired bootstrap interval, the rows each arm alone got right, and the exact McNemar p-value;
# without arguments, every pair with Holm-adjusted p-values. Where two arms cannot be told
# apart, `rows_needed` says roughly how many rows would (80% power).

# %%
# NBVAL_CHECK_OUTPUT
same_model = results.versus("v2|demo:demo-fast", "v1|demo:demo-fast")
same_model[
    ["a", "b", "n_pairs", "accuracy_a", "accuracy_b", "difference", "ci_low", "ci_high", "p_value"]
].round(3)

# %%
# NBVAL_CHECK_OUTPUT
table = results.versus()
cols = ["a", "b", "difference", "ci_low", "ci_high", "a_wins", "b_wins", "p_holm", "rows_needed"]
table[cols].sort_values("p_holm").head(8).round(3)

# %% [markdown]
# ## Self-consistency
#
# With repeats, `majority()` keeps each row's most common valid answer per arm (scoreable like
# any run) and `consistency()` says how often the repeats agreed with it. At temperature 0 the
# Demo's repeats agree; at the default temperature (1) and at 0.7 they sometimes do not.

# %%
# NBVAL_CHECK_OUTPUT
majority = results.majority().score()
single = results.score()
pd.DataFrame(
    {
        "one answer": single.set_index("arm")["accuracy"],
        "majority of 3": majority.set_index("arm")["accuracy"],
        "agreement of repeats": results.consistency().groupby("arm")["share"].mean(),
    }
).round(3)

# %% [markdown]
# ## Cost against accuracy
#
# `plot()` draws each arm's accuracy with its 95% interval as whiskers against what it cost, and
# dashes the cost–accuracy frontier: the arms no cheaper arm beats.

# %%
fig = results.plot()
fig

# %% [markdown]
# ## Reasoning effort, on the models that take it
#
# `reasoning_effort="low" | "medium" | "high"` goes to each provider as its SDK sends it (OpenAI
# `reasoning_effort`, Anthropic extended thinking with a token budget, Gemini `thinkingConfig`).
# The catalog says which models take it, and a model that does not is refused before the run;
# `arms=` pairs a variant with the models it should run on.

# %%
try:
    nbc.run(
        PROMPT,
        data=df,
        schema="sentiment: positive|negative|neutral",
        models=MODELS,
        org=org,
        reasoning_effort="high",
    )
except nbc.ConfigError as err:
    print(err)

# %%
# NBVAL_CHECK_OUTPUT
thinking = nbc.run(
    PROMPT,
    data=df,
    schema="sentiment: positive|negative|neutral",
    org=org,
    truth="gold_sentiment",
    models=["demo:demo-careful", "demo:demo-fast"],
    variants={"v1": {}, "think": {"reasoning_effort": "high"}},
    arms=[("v1", "demo:demo-careful"), ("v1", "demo:demo-fast"), ("think", "demo:demo-careful")],
    cache=False,
    progress=False,
)
summary = thinking.summary(by="arm")
summary[["cells", "valid_pct", "accuracy", "reasoning_tokens", "cost_usd"]].round(4)

# %% [markdown]
# ## Every run is kept
#
# Each finished run is saved in nbconnect's data directory (`$NBCONNECT_HOME/runs`, else the
# user data directory, e.g. `~/.local/share/nbconnect/runs`): the cells and a small manifest,
# never a key. `nbc.runs()` lists them, newest first; `nbc.Results.load(id)` opens one after a
# kernel restart. Pass `save=False` to keep a run off disk. The table has a `template` column,
# so the runs of this prompt are easy to pick out from others kept earlier.

# %%
# NBVAL_CHECK_OUTPUT
kept = nbc.runs()
kept = kept[kept["template"] == PROMPT].reset_index(drop=True)
kept[["variants", "models", "rows", "cells", "valid_pct"]]

# %%
again = nbc.Results.load(kept["id"].iloc[-1])
print(again)
assert again.df.equals(results.df)
