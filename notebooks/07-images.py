# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7 · Images and documents
#
# A prompt template can put an image or a PDF from each row into the prompt: `{image:column}` and
# `{document:column}`. A cell may hold a file path, an `https://` URL, bytes, a `data:` URL or a
# PIL image; text and several media parts mix in order. Each provider gets them the way its SDK
# sends them (OpenAI `image_url` / `file` parts, Anthropic `image` / `document` blocks, Gemini
# `inlineData` / `fileData`). This notebook runs offline on the **Demo**, which really decodes
# the pictures it is sent (so it can be wrong, like a real model).

# %%
from pathlib import Path
from typing import Literal

from IPython.display import display
from pydantic import BaseModel

import nbconnect as nbc

shapes = nbc.data.shapes()
org = nbc.Organization.demo()
DATA = str(Path(shapes["image"][0]).parent.parent)  # where nbconnect keeps them; "<data>" below

# %%
# NBVAL_CHECK_OUTPUT
# 36 generated 64x64 PNGs with gold labels; the table holds their paths
print(len(shapes), "images:", shapes["gold_shape"].value_counts().to_dict())
shapes.assign(image=shapes["image"].str.replace(DATA, "<data>")).head(3)


# %% [markdown]
# ## One prompt, one picture per row


# %%
class Look(BaseModel):
    shape: Literal["circle", "square", "triangle"]
    colour: Literal["red", "green", "blue", "yellow", "purple", "orange"]


PROMPT = "Look at this picture: {image:image}\nWhich shape is it, and what colour?"
MODELS = ["demo:demo-careful", "demo:demo-fast"]

# %% [markdown]
# Before spending anything: images are counted by each provider's published rule (OpenAI's tiles,
# Anthropic's width x height / 750, Gemini's 258 per tile), not by the size of their base64.

# %%
# NBVAL_CHECK_OUTPUT
nbc.estimate(PROMPT, data=shapes, schema=Look, models=MODELS, org=org)

# %%
results = nbc.run(PROMPT, data=shapes, schema=Look, models=MODELS, org=org, cache=False)

# %% [markdown]
# The results show where each image came from (its path, or `<bytes sha256:…>` for bytes);
# the encoded image is never copied into the table, the logs or a saved file.

# %%
# NBVAL_CHECK_OUTPUT
scores = results.score(truth={"shape": "gold_shape", "colour": "gold_colour"})
scores[["model", "field", "n", "accuracy"]].round(3)

# %% [markdown]
# ## Documents
#
# `{document:column}` sends a PDF. The Demo reads the text out of it; `demo-fast` takes images
# but no PDFs, and the run says so before sending anything.


# %%
class Paper(BaseModel):
    kind: Literal["invoice", "receipt", "letter"]
    total: float


docs = nbc.data.documents()
read = nbc.run(
    "{document:document}\nWhat kind of document is this, and what is its total?",
    data=docs,
    schema=Paper,
    models=["demo:demo-careful"],
    org=org,
    cache=False,
)

# %%
# NBVAL_CHECK_OUTPUT
read.df[["kind", "gold_kind", "total", "gold_total"]]

# %%
# NBVAL_CHECK_OUTPUT
try:
    nbc.run("{document:document} Total?", data=docs, schema=Paper, models=["demo:demo-fast"], org=org)
except nbc.ConfigError as err:
    print(str(err).replace(DATA, "<data>"))

# %% [markdown]
# ## Checked before the run
#
# A text-only model, a type the provider does not take, a missing file, a file over the
# provider's limit or an `http://` URL stops the run before the first request, naming the row,
# the column and the fix. Images are scaled down only when asked: `resize=1568` (needs Pillow).

# %%
# NBVAL_CHECK_OUTPUT
bad = shapes.head(3).copy()
bad.loc[2, "image"] = "photos/missing.png"
for models, data in ((["demo:demo-echo"], shapes.head(3)), (["demo:demo-careful"], bad)):
    try:
        nbc.run(PROMPT, data=data, schema=Look, models=models, org=org)
    except nbc.ConfigError as err:
        print(str(err).replace(DATA, "<data>").split(" (relative paths")[0], "\n")

# %% [markdown]
# ## With real providers
#
# The same call works with every provider that takes images; this cell runs only when keys are set.

# %%
real = nbc.Organization(persist=False)  # nbc.Organization() would use your saved connections
real.add_from_env()
candidates = {
    "openai": "openai:gpt-4.1-mini",
    "anthropic": "anthropic:claude-haiku-4-5",
    "gemini": "gemini:gemini-2.5-flash",
}
vision = [ref for name, ref in candidates.items() if name in real]
if vision:
    live = nbc.run(PROMPT, data=shapes.head(6), schema=Look, models=vision, org=real, budget_usd=0.1)
    display(live.score(truth={"shape": "gold_shape", "colour": "gold_colour"}))
else:
    print("No OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY set: skipped.")
