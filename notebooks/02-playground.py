# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2 · The Playground
#
# One prompt template, many input rows, many models; the answers constrained by one JSON schema
# and compared side by side. This notebook runs offline on the built-in **Demo** connection
# (no key needed); the last cell shows the same with real providers when a key is set.

# %%
import os

from IPython.display import display

import nbconnect as nbc
from nbconnect.data import reviews

df = reviews()
df.head()

# %% [markdown]
# `nbconnect.data.reviews()` is a small dataset shipped with nbconnect: 80 short product reviews
# written for it, labelled by hand with the overall sentiment (`gold_sentiment`: positive,
# negative or neutral/mixed) and the aspects each review talks about (`gold_aspects`, from
# battery, price, screen, delivery, quality, service, size, design, sound, comfort). The ground
# truth columns start with `gold_` so they never clash with the answer fields `sentiment` and
# `aspects`.

# %%
# NBVAL_CHECK_OUTPUT
df["gold_sentiment"].value_counts()

# %% [markdown]
# ## Open the playground
#
# From the top: the **models** to compare; the **prompt** (`{product}` and `{text}` are filled
# from each row; a chip turns red when the data has no such column); the **schema** the answers
# must follow, and how each model will enforce it; the **data** (all rows, the first N, a random
# sample, or only the cells still missing) and the ground-truth column; the **options**; the
# number of calls and the estimated cost; **Run** / **Stop** with live progress; and, after a
# run, the answers side by side (differences highlighted, wrong answers marked, a click on a
# cell shows the raw output), a summary per model and a plot.

# %%
org = nbc.Organization.demo()  # offline demo models, in memory (real providers: 01-connect.ipynb)
PROMPT = "Read this review of a {product} and answer in JSON.\n\nReview: {text}"
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

# %% [markdown]
# ## Run
#
# Press **Run** above, or call `pg.run()`: it returns at once and the run goes on in the
# background, so the kernel stays free and other cells keep working while answers come in.

# %%
pg.run()

# %%
pg.results  # what has finished so far: a Results that grows while the run goes on

# %% [markdown]
# `pg.wait()` blocks until the run is over (handy in scripts and here, so that the next cells
# see every answer; while it waits, the Stop button cannot be heard). `pg.results` is the same
# `Results` object that `nbc.run` returns: a tidy DataFrame in `.df`, and the views of
# `03-compare-models.ipynb`.

# %%
results = pg.wait(timeout=300)
summary = results.summary(truth="gold_sentiment")
summary

# %% [markdown]
# Latency varies from run to run; the other numbers of the summary come out the same on every run
# of the Demo connection, and the test suite checks them.

# %%
# NBVAL_CHECK_OUTPUT
summary[["valid_pct", "errors", "accuracy", "input_tokens", "output_tokens", "cost_usd"]].round(4)

# %%
# NBVAL_CHECK_OUTPUT
results.score(truth={"sentiment": "gold_sentiment", "aspects": "gold_aspects"}).round(3)

# %% [markdown]
# ## With real keys
#
# The same playground with a real model beside the demo ones. This cell runs only when
# `OPENAI_API_KEY` is set, and skips itself otherwise.

# %%
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
