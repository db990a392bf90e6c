# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 8 · Label Studio round trip
#
# Label your data in [Label Studio](https://labelstud.io), try prompts and models on it here,
# then send the answers back as pre-annotations. Three functions, one line each way:
#
# - `nbc.labelstudio.schema(config)`: the labeling config becomes the response schema;
# - `nbc.labelstudio.tasks(export, config)`: an export becomes data and truth columns;
# - `results.to_labelstudio(config)`: the answers become Label Studio predictions.
#
# The first part runs offline on a small project nbconnect ships (its exports were written by a
# real Label Studio) and the **Demo** connection. The last part talks to your server, and runs only
# when `LABEL_STUDIO_URL`, `LABEL_STUDIO_API_KEY` and `LABEL_STUDIO_PROJECT` are set.
# It needs the SDK: `pip install 'nbconnect[labelstudio]'`.

# %%
import json
import os
import tempfile
from pathlib import Path

import nbconnect as nbc

example = nbc.labelstudio.example()
org = nbc.Organization.demo()
print(example.config)

# %% [markdown]
# ## The labeling config is the schema
#
# One property per control, named like it: `Choices` give an enum (a list of them with
# `choice="multiple"`), `Labels` give spans (`text`, `label`, and optional `start`/`end`),
# `Rating` an integer from 0 to `maxRating`; `TextArea`, `Number` and `Pairwise` work too.
# Controls marked `required="true"` are required. A control nbconnect cannot answer
# (`RectangleLabels`, say) is refused by name; `ignore=["name"]` leaves it out.

# %%
# NBVAL_CHECK_OUTPUT
schema = nbc.labelstudio.schema(example.config)
print(json.dumps(schema, indent=1))

# %% [markdown]
# ## The export is the data and the truth
#
# `tasks` reads a JSON or JSON-MIN export (a path or the parsed list). The task data keys become
# columns with the names the config's `$variables` use, so the prompt can say `{text}`; `ls_id`
# keeps the task id, so the predictions find their way back; each control gives a `gold_<name>`
# truth column. Cancelled annotations never count; with several, `annotation="latest"` (the
# default), `"first"`, `"majority"` or your own function picks. Both export formats read the same.

# %%
# NBVAL_CHECK_OUTPUT
df = nbc.labelstudio.tasks(example.json, example.config)
minimal = nbc.labelstudio.tasks(example.json_min, example.config)
print("JSON and JSON-MIN agree:", df.equals(minimal))
df.drop(columns=["text", "gold_mentions"])

# %% [markdown]
# Three tasks have a second annotation that disagrees with the first. Which one counts changes
# the truth: compare the rules on those tasks.

# %%
# NBVAL_CHECK_OUTPUT
first = nbc.labelstudio.tasks(example.json, example.config, annotation="first")
disputed = df["ls_annotations"] > 1
df.loc[disputed, ["review_id", "gold_sentiment"]].assign(first=first.loc[disputed, "gold_sentiment"])

# %% [markdown]
# ## Run, score, send back
#
# The run is an ordinary `nbc.run`; the truth columns score it.

# %%
# NBVAL_CHECK_OUTPUT
results = nbc.run(
    "{text}",
    data=df,
    schema=schema,
    models=["demo:demo-careful", "demo:demo-fast"],
    org=org,
    temperature=0,
    cache=False,
    progress=False,
)
scores = results.score(truth={"sentiment": "gold_sentiment", "stars": "gold_stars"})
scores[["model", "field", "n", "accuracy"]]

# %% [markdown]
# `to_labelstudio` writes one prediction per task and arm: `model_version` names the model (with
# the variant in front when there is one), `score` comes from a field or function you name, and
# every prediction passes the SDK's `LabelInterface` check. Spans get character offsets: models
# quote words better than they count characters, so the quoted text decides and is looked up in the
# task's text; what cannot be placed is left out and listed in `notes`.

# %%
# NBVAL_CHECK_OUTPUT
predictions = results.to_labelstudio(example.config)
print(predictions, *predictions.notes, sep="\n")
first_prediction = predictions[0]
print(json.dumps({k: first_prediction[k] for k in ("task", "model_version")}))
[(r["from_name"], r["value"]) for r in first_prediction["result"]]

# %% [markdown]
# Save them and import the file in the project (Label Studio's *Import* takes predictions that name
# their `task`). Rows without an `ls_id` become new tasks carrying their predictions instead.

# %%
out = Path(tempfile.mkdtemp(prefix="nbconnect-labelstudio-")) / "predictions.json"
predictions.to_json(out).name  # given a path, to_json returns the file it wrote (not the JSON)

# %% [markdown]
# ## Against your Label Studio
#
# `Project` pulls the config, tasks and annotations, and pushes predictions, through the SDK
# client. The key is kept secret like every other key (its repr shows only the last characters).
# Set the three variables before starting Jupyter to run this cell.

# %%
if all(os.environ.get(v) for v in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_PROJECT")):
    project = nbc.labelstudio.Project(
        os.environ["LABEL_STUDIO_URL"],
        api_key=os.environ["LABEL_STUDIO_API_KEY"],
        id=int(os.environ["LABEL_STUDIO_PROJECT"]),
    )
    data, schema = project.tasks(), project.schema()
    live = nbc.run("{text}", data=data, schema=schema, models=["demo:demo-careful"], org=org)
    print(project, "received", project.push(live), "predictions")
else:
    print("Set LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY and LABEL_STUDIO_PROJECT to try this on your server.")
