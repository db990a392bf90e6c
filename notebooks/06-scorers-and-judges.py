# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6 · Scorers and judges
#
# Built-in metrics know enums, numbers and lists. Real comparisons need more: your own checks
# (`scorers=`), an LLM that grades answers (`nbc.judge`), entity (span) scores for extraction,
# and text overlap for free-text answers. Every figure comes with its n and a 95% interval.
# This notebook runs offline on the **Demo** connection.

# %%
import warnings

import nbconnect as nbc
from nbconnect.data import ENTITY_LABELS, entities, reviews

org = nbc.Organization.demo()
df = reviews()
PROMPT = (
    "Review: {text}\n\nWhat is the sentiment of this review of a {product}? Summarize it. Answer in JSON."
)
SCHEMA = "sentiment: positive|negative|neutral, summary: str"
results = nbc.run(PROMPT, data=df, schema=SCHEMA, models=org.models(), org=org, cache=False, progress=False)
results

# %% [markdown]
# ## Your own checks
#
# A scorer is `fn(prediction, truth, row)` returning a bool, a number, or
# `nbc.Score(value, reason)`. The key of `scorers=` is the field it scores (or `"field:name"`
# for several scorers on one field); `truth=` maps fields to truth columns as in `score()`; a
# field without truth is scored reference-free (`truth` is `None`). Here: partial credit when
# a model says *neutral* for a review that leans one way, and a check that the summary only
# uses words of the review.


# %%
def lenient(prediction, truth, row):
    if prediction == truth:
        return nbc.Score(1.0, "exact")
    if "neutral" in (prediction, truth):
        return nbc.Score(0.5, f"{prediction} for {truth}: half right")
    return nbc.Score(0.0, f"{prediction} for {truth}: opposite")


def grounded(prediction, truth, row):
    words = set(row["text"].lower().split())
    said = prediction.lower().split()
    return sum(w in words for w in said) / len(said)


scorers = {"sentiment": lenient, "sentiment:exact": "exact", "summary:grounded": grounded}
truth = {"sentiment": "gold_sentiment"}

# %%
# NBVAL_CHECK_OUTPUT
results.score(scorers=scorers, truth=truth, pretty=True)

# %% [markdown]
# `interval` says how each interval was made: Wilson when every value is 0 or 1, a seeded
# bootstrap over rows otherwise. The per-cell scores and reasons are columns of `scored()`:

# %%
# NBVAL_CHECK_OUTPUT
cells = results.scored(scorers, truth=truth)
cells.loc[
    cells["score.sentiment"] < 1, ["row", "model", "sentiment", "gold_sentiment", "reason.sentiment"]
].head(6)

# %% [markdown]
# A scorer that raises is recorded on its cell, with the scorer, the row and the model named,
# and the other cells go on (`n_errors` counts them, and a warning says how many; silenced here).


# %%
# NBVAL_CHECK_OUTPUT
def fragile(prediction, truth, row):
    if row["row"] == 3:
        raise ValueError("cannot read this one")
    return prediction == truth


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    broken = results.scored({"sentiment": fragile}, truth=truth)
print(broken.loc[broken["score.sentiment"].isna() & broken["_valid"], "reason.sentiment"].iloc[0])

# %% [markdown]
# Anything heavier (ROUGE, embeddings, a regex library...) is just another function, e.g. with
# the `rouge-score` package:
#
# ```python
# from rouge_score import rouge_scorer
#
# rouge = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
#
# def rouge_l(prediction, truth, row):
#     f = rouge.score(truth, prediction)["rougeL"].fmeasure
#     return nbc.Score(f, f"ROUGE-L {f:.2f}")
#
# results.score(scorers={"summary": rouge_l}, truth={"summary": "reference_summary"})
# ```

# %% [markdown]
# ## An LLM as judge
#
# `nbc.judge` grades every valid cell: a prompt with the input, the answer and (with
# `reference=`) the expected answer, answered in a schema `{grade, reason}`. The judge is a run
# of the same engine, so the cache, `budget_usd=`, retries, limits, progress and stop all apply,
# and its answers are `Results` (one arm per judge model).

# %%
RUBRIC = "the answer's sentiment is the one in the reference"
judged = nbc.judge(
    results, RUBRIC, field="sentiment", reference="gold_sentiment", inputs=["text"],
    models=["demo:demo-careful", "demo:demo-fast"], org=org, progress=False,
)  # fmt: skip
judged

# %% [markdown]
# The judges' agreement (Cohen's kappa per pair, Krippendorff's alpha over all), their
# majority, and the grades joined back onto the graded cells:

# %%
# NBVAL_CHECK_OUTPUT
judged.agreement("grade", pairs=True).round(3)

# %%
# NBVAL_CHECK_OUTPUT
joined = judged.join()
joined[["row", "model", "sentiment", "gold_sentiment", "judge.majority", "judge.agree"]].head(6)

# %% [markdown]
# Per graded model, the share the judges passed (majority; cells without a valid answer count
# as failed), beside the accuracy against the truth itself: a judge you can trust agrees.

# %%
# NBVAL_CHECK_OUTPUT
verdict = judged.scores().set_index("arm")[
    ["n", "n_failed", "n_errors", "score", "score_ci_low", "score_ci_high"]
]
verdict["accuracy"] = results.score(truth="gold_sentiment", field="sentiment").set_index("model")["accuracy"]
verdict.round(3)

# %% [markdown]
# The judge's bill is its own, apart from the run's. Identical grading prompts (two models gave
# the same answer to a row) are asked once: the rest come from the cache. Asking again sends only
# the prompts whose grade was not valid the first time (the fast judge breaks the schema now and
# then); every valid grade comes from the cache.

# %%
judged.cost()  # calls vs cached depends on which of two identical prompts was in flight first

# %%
# NBVAL_CHECK_OUTPUT
again = nbc.judge(
    results, RUBRIC, field="sentiment", reference="gold_sentiment", inputs=["text"],
    models=["demo:demo-careful", "demo:demo-fast"], org=org, progress=False,
)  # fmt: skip
first = judged.df
print("grades:", len(first), "of which valid:", int(first["_valid"].sum()))
print("asked again, every valid grade from the cache:", bool(again.df.loc[first["_valid"], "_cached"].all()))
print("requests sent again:", again.cost().loc["judge", "calls"], "(the grades that were not valid)")

# %% [markdown]
# ## Pairwise: A or B?
#
# `pairwise=(arm_a, arm_b)` shows both answers of a row and asks which is better, twice, with the
# order swapped. A judge that picks whatever comes first flips between the two orders:
# `position_bias()` counts it.

# %%
# NBVAL_CHECK_OUTPUT
pairs = nbc.judge(
    results, "the answer whose sentiment matches the reference", field="sentiment",
    reference="gold_sentiment", inputs=["text"], pairwise=("demo:demo-careful", "demo:demo-echo"),
    models=["demo:demo-careful", "demo:demo-echo"], org=org, progress=False,
)  # fmt: skip
pairs.position_bias().round(3)

# %% [markdown]
# ## Entities (spans)
#
# A field that is a list of `{text, label}` objects (optionally `start`, `end`) is scored entity
# by entity: **exact** (label and offsets equal) and **partial** (label equal, ranges overlap),
# per label and micro / macro, with bootstrap intervals. Models usually give only the text of a
# span: the offsets are found in the input, and `span_notes()` lists what was not found.

# %%
ner = entities()
SPAN_SCHEMA = {
    "type": "object",
    "properties": {
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "label": {"type": "string", "enum": list(ENTITY_LABELS)},
                },
                "required": ["text", "label"],
            },
        }
    },
    "required": ["entities"],
}
found = nbc.run(
    "Extract the people (PERSON), organisations (ORG), places (LOC) and dates (DATE) named in the text.\n\nText: {text}",
    data=ner, schema=SPAN_SCHEMA, models=org.models(), org=org, cache=False, progress=False,
)  # fmt: skip
found.df.loc[0, "entities"]

# %%
# NBVAL_CHECK_OUTPUT
spans = found.score_spans("gold_entities", pretty=True)
spans[spans["label"].isin(["(micro)", "(macro)"])][
    ["model", "match", "label", "n", "n_failed", "precision", "recall", "f1"]
]

# %%
# NBVAL_CHECK_OUTPUT
per_label = found.score_spans("gold_entities")
per_label.query("model == 'demo:demo-echo' and label in @ENTITY_LABELS").pivot(
    index="label", columns="match", values="f1"
).round(3)

# %%
# NBVAL_CHECK_OUTPUT
print(len(found.span_notes("gold_entities")), "spans not found in their text")
