"""Span (entity) scoring against the references: seqeval (exact, from BIO tags built from the
character spans) and nervaluate's ent_type scheme (partial), on seeded random cases."""

from __future__ import annotations

import random

import numpy as np
import pytest
from nervaluate import Evaluator
from seqeval.metrics import classification_report

from nbconnect._results.results import Results
from nbconnect._results.spans import locate

LABELS = ["PER", "ORG", "LOC"]
WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa", "lam", "mu"]
SCHEMA = {
    "type": "object",
    "properties": {
        "ents": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "label": {"type": "string"}},
            },
        }
    },
}


def _doc(rng):
    tokens = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    starts, at = [], 0
    for t in tokens:
        starts.append(at)
        at += len(t) + 1
    return tokens, starts, " ".join(tokens)


def _random_spans(rng, tokens, starts):
    """Non-overlapping token-aligned spans: (label, first token, last token)."""
    out, i = [], 0
    while i < len(tokens):
        if rng.random() < 0.35:
            j = min(len(tokens) - 1, i + rng.randint(0, 2))
            out.append((rng.choice(LABELS), i, j))
            i = j + 2
        else:
            i += 1
    return out


def _as_dicts(spans, tokens, starts, text, offsets):
    out = []
    for label, i, j in spans:
        start, end = starts[i], starts[j] + len(tokens[j])
        item = {"text": text[start:end], "label": label}
        if offsets:
            item.update(start=start, end=end)
        out.append(item)
    return out


def _bio(spans, n):
    tags = ["O"] * n
    for label, i, j in spans:
        tags[i] = "B-" + label
        for k in range(i + 1, j + 1):
            tags[k] = "I-" + label
    return tags


def _case(seed, docs=30):
    rng = random.Random(seed)
    rows, gold_bio, pred_bio, gold_ne, pred_ne = [], [], [], [], []
    for r in range(docs):
        tokens, starts, text = _doc(rng)
        gold = _random_spans(rng, tokens, starts)
        pred = [s for s in gold if rng.random() < 0.6]  # some right
        pred = [(rng.choice(LABELS) if rng.random() < 0.2 else lab, i, j) for lab, i, j in pred]
        extra = _random_spans(rng, tokens, starts)  # and some guesses (kept apart from the rest)
        used = {k for _, i, j in pred for k in range(i - 1, j + 2)}
        pred += [s for s in extra if not any(k in used for k in range(s[1], s[2] + 1))][:2]
        pred.sort(key=lambda s: s[1])
        gold_bio.append(_bio(gold, len(tokens)))
        pred_bio.append(_bio(pred, len(tokens)))
        for spans, target in ((gold, gold_ne), (pred, pred_ne)):
            target.append([
                {"label": lab, "start": starts[i], "end": starts[j] + len(tokens[j]) - 1} for lab, i, j in spans
            ])  # fmt: skip
        said = _as_dicts(pred, tokens, starts, text, offsets=True)
        if r % 2 and all(text.count(d["text"]) == 1 for d in said):
            said = [{"text": d["text"], "label": d["label"]} for d in said]  # offsets recovered from the text
        rows.append(
            {"row": r, "text": text, "gold": _as_dicts(gold, tokens, starts, text, True), "model": "m",
             "ents": said, "_valid": True}
        )  # fmt: skip
    res = Results.from_rows(rows, fields=["ents"], models=["m"], inputs=["text", "gold"], schema=SCHEMA)
    return res, (gold_bio, pred_bio), (gold_ne, pred_ne)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_exact_scores_equal_seqeval(seed):
    res, (gold, pred), _ = _case(seed)
    table = res.score_spans("gold").query("match == 'exact'").set_index("label")
    ref = classification_report(gold, pred, output_dict=True, zero_division=0)
    for label in LABELS:
        if label in ref:
            for ours, theirs in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
                assert table.loc[label, ours] == pytest.approx(ref[label][theirs])
            assert table.loc[label, "n_gold"] == ref[label]["support"]
    assert table.loc["(micro)", "f1"] == pytest.approx(ref["micro avg"]["f1-score"])
    assert table.loc["(macro)", "f1"] == pytest.approx(ref["macro avg"]["f1-score"])
    assert table.loc["(micro)", "f1_ci_low"] < table.loc["(micro)", "f1"] < table.loc["(micro)", "f1_ci_high"]


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_partial_scores_equal_nervaluate_ent_type(seed):
    res, _, (gold, pred) = _case(seed)
    table = res.score_spans("gold").query("match == 'partial'").set_index("label")
    ref = Evaluator(gold, pred, tags=LABELS, loader="dict").evaluate()["entities"]
    for label in LABELS:
        theirs = ref[label]["ent_type"]
        assert table.loc[label, "precision"] == pytest.approx(theirs.precision)
        assert table.loc[label, "recall"] == pytest.approx(theirs.recall)
        assert table.loc[label, "tp"] == theirs.correct


def test_partial_overlap_counts_where_exact_does_not_and_matches_nervaluate():
    text = "Ada Lovelace met Charles Babbage in London today"
    gold = [
        {"text": "Ada Lovelace", "label": "PER"},
        {"text": "Charles Babbage", "label": "PER"},
        {"text": "London", "label": "LOC"},
    ]
    pred = [
        {"text": "Lovelace", "label": "PER"},
        {"text": "Babbage in", "label": "PER"},
        {"text": "London", "label": "ORG"},
    ]
    row = {"row": 0, "text": text, "gold": gold, "model": "m", "ents": pred, "_valid": True}
    res = Results.from_rows([row], fields=["ents"], models=["m"], inputs=["text", "gold"], schema=SCHEMA)
    t = res.score_spans("gold").set_index(["match", "label"])
    assert t.loc[("exact", "PER"), "tp"] == 0 and t.loc[("partial", "PER"), "tp"] == 2
    assert t.loc[("partial", "LOC"), "recall"] == 0.0
    spans = [locate(v, text)[0] for v in (gold, pred)]
    ne = [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in group] for group in spans]
    ref = Evaluator([ne[0]], [ne[1]], tags=["PER", "LOC", "ORG"], loader="dict").evaluate()["entities"]
    assert t.loc[("partial", "PER"), "recall"] == pytest.approx(ref["PER"]["ent_type"].recall)


def test_offsets_are_recovered_from_the_text_and_missing_spans_noted():
    text = "Paris and Rome, then Paris again"
    spans, notes = locate([{"text": "Paris", "label": "LOC"}, {"text": "paris", "label": "LOC"},
                           {"text": "Oslo", "label": "LOC"}, {"text": "Rome", "label": "LOC", "start": 99, "end": 3}], text)  # fmt: skip
    assert [(s.start, s.end) for s in spans] == [(0, 5), (21, 26), (None, None), (10, 14)]
    assert notes == [{"text": "Oslo", "label": "LOC", "note": "not found in the input text"}]
    # an offset that points at the wrong place goes to the nearest occurrence
    near, _ = locate([{"text": "Paris", "label": "LOC", "start": 20, "end": 25}], text)
    assert (near[0].start, near[0].end) == (21, 26)


def test_failed_cells_miss_every_gold_span_and_not_run_cells_are_left_out():
    text = "Ada met Bob"
    gold = [{"text": "Ada", "label": "PER"}, {"text": "Bob", "label": "PER"}]
    rows = [
        {"row": 0, "text": text, "gold": gold, "model": "m", "ents": gold, "_valid": True},
        {"row": 1, "text": text, "gold": gold, "model": "m", "ents": None, "_valid": False, "_error_type": "schema_mismatch"},
        {"row": 2, "text": text, "gold": gold, "model": "m", "_valid": False, "_error_type": "budget"},
    ]  # fmt: skip
    res = Results.from_rows(rows, fields=["ents"], models=["m"], inputs=["text", "gold"], schema=SCHEMA)
    micro = res.score_spans("gold").set_index(["match", "label"]).loc[("exact", "(micro)")]
    assert (micro["n"], micro["n_failed"], micro["n_not_run"]) == (2, 1, 1)
    assert (micro["tp"], micro["n_pred"], micro["n_gold"]) == (2, 2, 4)
    assert micro["recall"] == 0.5 and micro["precision"] == 1.0
    assert np.isfinite(micro["f1_ci_low"])
    assert res.span_notes("gold").empty


def test_the_demo_reads_entities_from_the_text_and_offsets_are_recovered():
    import nbconnect as nbc
    from nbconnect.data import ENTITY_LABELS, entities

    items = {
        "type": "object",
        "properties": {"text": {"type": "string"}, "label": {"enum": list(ENTITY_LABELS)}},
    }
    schema = {"type": "object", "properties": {"entities": {"type": "array", "items": items}}}
    org = nbc.Organization.demo()
    kw = dict(data=entities(), schema=schema, models=["demo:demo-careful", "demo:demo-echo"], org=org)
    kw.update(cache=False, progress=False)
    res = nbc.run("Find the named entities.\n\nText: {text}", **kw)
    micro = res.score_spans("gold_entities").set_index(["model", "match", "label"])["f1"]
    assert micro[("demo:demo-careful", "exact", "(micro)")] > 0.9
    assert micro[("demo:demo-echo", "exact", "(micro)")] < micro[("demo:demo-echo", "partial", "(micro)")]
    assert (
        micro[("demo:demo-echo", "partial", "(micro)")] < micro[("demo:demo-careful", "partial", "(micro)")]
    )
    assert all("start" not in s for v in res.df["entities"].dropna() for s in v)  # text only, offsets found
    assert res.span_notes("gold_entities").empty
    again = nbc.run("Find the named entities.\n\nText: {text}", **kw)
    assert again.df["entities"].tolist() == res.df["entities"].tolist()
