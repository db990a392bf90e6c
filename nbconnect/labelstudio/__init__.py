"""Label Studio round trip: a labeling config becomes a schema, an export becomes data and truth,
and Results go back as predictions (pre-annotations).

    import nbconnect as nbc

    config = open("config.xml").read()
    df = nbc.labelstudio.tasks("export.json", config)        # ls_id, $variables, gold_<control>
    res = nbc.run("Classify: {text}", data=df, schema=nbc.labelstudio.schema(config), models=[...])
    res.score(truth="gold_sentiment")
    res.to_labelstudio(config).to_json("predictions.json")  # import into the project

    project = nbc.labelstudio.Project("http://localhost:8080", api_key="...", id=3)
    project.push(nbc.run(..., data=project.tasks(), schema=project.schema(), ...))

Needs ``label-studio-sdk`` (``pip install 'nbconnect[labelstudio]'``), imported on first use.
"""

from __future__ import annotations

from .config import Config, Control, parse
from .examples import Example, example
from .predictions import Predictions, predictions
from .project import Project
from .schema import schema
from .tasks import ID, TRUTH_PREFIX, tasks

__all__ = [
    "ID",
    "TRUTH_PREFIX",
    "Config",
    "Control",
    "Example",
    "Predictions",
    "Project",
    "example",
    "parse",
    "predictions",
    "schema",
    "tasks",
]
