"""Organization rules: one key per provider, one per deployment / model / name, references (issue 2)."""

from __future__ import annotations

import pytest
from _orgs import vertex_key

import nbconnect as nbc
from nbconnect import OrganizationRuleError, UnknownModelError

VERTEX_KEY = vertex_key()


def azure(deployment: str, key: str = "azure-key-0123456789") -> nbc.AzureOpenAI:
    return nbc.AzureOpenAI(deployment=deployment, endpoint="https://r.openai.azure.com", api_key=key)


def foundry(model: str, key: str = "foundry-key-0123456789") -> nbc.AzureAIFoundry:
    return nbc.AzureAIFoundry(model=model, endpoint="https://r.services.ai.azure.com/models", api_key=key)


def custom(name: str, port: int = 11434) -> nbc.CustomLLM:
    return nbc.CustomLLM(name=name, endpoint=f"http://localhost:{port}/v1")


ONE_PER_ORG = [
    (nbc.OpenAI, {"api_key": "sk-first-0123456789abcd"}, {"api_key": "sk-second-0123456789wxyz"}),
    (nbc.Gemini, {"api_key": "AIza-first-0123456789"}, {"api_key": "AIza-second-0123456789"}),
    (nbc.Anthropic, {"api_key": "sk-ant-first-0123456789"}, {"api_key": "sk-ant-second-012345678"}),
    (nbc.VertexAI, {"credentials": VERTEX_KEY}, {"credentials": VERTEX_KEY, "project": "other"}),
]


@pytest.fixture(params=["memory", "file"])
def org(request, tmp_path):
    if request.param == "memory":
        return nbc.Organization(persist=False)
    return nbc.Organization(path=tmp_path / "store.json")


@pytest.mark.parametrize(("cls", "first", "second"), ONE_PER_ORG, ids=[c[0].__name__ for c in ONE_PER_ORG])
def test_one_per_organization(org, cls, first, second):
    old = org.add(cls(**first))
    with pytest.raises(OrganizationRuleError) as info:
        org.add(cls(**second))
    message = str(info.value)
    assert f"one {cls.title} connection" in message
    assert f"'{old.name}'" in message
    assert "replace=True" in message
    assert f"org.remove('{old.name}')" in message
    assert len(org) == 1
    assert org.get(old.name) == old  # the first one is untouched


@pytest.mark.parametrize(("cls", "first", "second"), ONE_PER_ORG, ids=[c[0].__name__ for c in ONE_PER_ORG])
def test_replace_swaps_the_connection(org, cls, first, second):
    org.add(cls(**first))
    new = org.add(cls(**second), replace=True)
    assert len(org) == 1
    assert org.get(new.name) == new
    if org.path is not None:  # and the store agrees
        assert nbc.Organization(path=org.path).get(new.name) == new


def test_refusal_shows_the_old_key_hint_not_the_key(org):
    org.add(nbc.OpenAI(api_key="sk-first-0123456789abcd"))
    with pytest.raises(OrganizationRuleError) as info:
        org.add(nbc.OpenAI(api_key="sk-second-0123456789wxyz"))
    assert "…abcd" in str(info.value)
    assert "0123456789" not in str(info.value)


def test_azure_many_deployments_one_each(org):
    org.add(azure("gpt4o-prod"))
    org.add(azure("gpt41-mini"))
    assert len(org) == 2
    with pytest.raises(OrganizationRuleError) as info:
        org.add(azure("gpt4o-prod", key="azure-other-9876543210"))
    assert "deployment 'gpt4o-prod'" in str(info.value)
    assert "replace=True" in str(info.value)
    org.add(azure("gpt4o-prod", key="azure-other-9876543210"), replace=True)
    assert org.get("gpt4o-prod").secret("api_key") == "azure-other-9876543210"
    assert len(org) == 2


def test_foundry_one_per_model(org):
    org.add(foundry("DeepSeek-R1"))
    org.add(foundry("Llama-3.3-70B"))
    with pytest.raises(OrganizationRuleError, match="model 'DeepSeek-R1'"):
        org.add(foundry("DeepSeek-R1", key="foundry-other-987654321"))
    assert len(org) == 2


def test_custom_one_per_name(org):
    org.add(custom("llama3.2"))
    org.add(custom("qwen2.5"))
    with pytest.raises(OrganizationRuleError, match=r"name 'llama3\.2'"):
        org.add(custom("llama3.2", port=8000))
    assert org.get("llama3.2").endpoint == "http://localhost:11434/v1"


@pytest.mark.parametrize(
    ("first", "second", "taken_by"),
    [
        (lambda: nbc.OpenAI(api_key="sk-0123456789abcdefgh"), lambda: custom("openai"), "OpenAI"),
        (lambda: custom("gemini"), lambda: nbc.Gemini(api_key="AIza0123456789abcdef"), "Custom LLM"),
        (lambda: azure("gpt-4o"), lambda: foundry("gpt-4o"), "Azure OpenAI"),
        (lambda: foundry("mistral"), lambda: custom("mistral"), "Azure AI Foundry"),
    ],
)
def test_name_clash_across_providers(org, first, second, taken_by):
    old = org.add(first())
    with pytest.raises(OrganizationRuleError) as info:
        org.add(second())
    message = str(info.value)
    assert f"is taken by a {taken_by} connection" in message
    assert "replace=True" in message
    assert org.get(old.name) == old
    new = org.add(second(), replace=True)
    assert list(org) == [new]


def test_add_remove_get_iterate_len_contains(org):
    assert len(org) == 0 and list(org) == []
    a = org.add(nbc.OpenAI(api_key="sk-0123456789abcdefgh"))
    b = org.add(azure("gpt4o-prod"))
    c = org.add(custom("llama3.2"))
    assert len(org) == 3
    assert [x.name for x in org] == ["openai", "gpt4o-prod", "llama3.2"]
    assert "openai" in org and "gpt4o-prod" in org and "nope" not in org
    assert org.get("openai") == a and org["gpt4o-prod"] == b
    assert org.remove("llama3.2") == c
    assert "llama3.2" not in org and len(org) == 2
    with pytest.raises(UnknownModelError, match=r"no connection named 'llama3\.2'") as info:
        org.get("llama3.2")
    assert "gpt4o-prod, openai" in str(info.value)
    with pytest.raises(UnknownModelError):
        org.remove("llama3.2")
    assert isinstance(info.value, LookupError) and isinstance(info.value, ValueError)


def test_iteration_is_a_snapshot(org):
    org.add(custom("a"))
    org.add(custom("b"))
    for conn in org:
        org.remove(conn.name)
    assert len(org) == 0


def test_add_rejects_non_connections(org):
    with pytest.raises(TypeError, match=r"nbconnect\.OpenAI"):
        org.add({"provider": "openai", "api_key": "sk-..."})


def test_constructor_connections_follow_the_rules():
    org = nbc.Organization(persist=False, connections=[azure("a"), azure("b")])
    assert len(org) == 2 and org.path is None
    with pytest.raises(OrganizationRuleError):
        nbc.Organization(persist=False, connections=[azure("a"), azure("a")])


def test_repr_lists_names_and_place(tmp_path):
    assert repr(nbc.Organization(persist=False)) == "Organization(in memory: no connections)"
    org = nbc.Organization(path=tmp_path / "s.json", connections=[azure("gpt4o-prod")])
    assert repr(org) == f"Organization({tmp_path / 's.json'}: gpt4o-prod (Azure OpenAI))"


# -- model references --------------------------------------------------------------------------
@pytest.fixture
def full():
    return nbc.Organization(
        persist=False,
        connections=[
            nbc.OpenAI(api_key="sk-0123456789abcdefgh"),
            azure("gpt4o-prod"),
            custom("llama3.2:latest"),
            custom("llama3.2"),
            custom("my:llm", port=9000),
        ],
    )


@pytest.mark.parametrize(
    ("ref", "name", "model"),
    [
        ("openai:gpt-4.1-mini", "openai", "gpt-4.1-mini"),
        ("openai:ft:gpt-4o-mini:acme::9abc", "openai", "ft:gpt-4o-mini:acme::9abc"),
        ("  openai:gpt-4o  ", "openai", "gpt-4o"),
        ("gpt4o-prod", "gpt4o-prod", "gpt4o-prod"),
        ("gpt4o-prod:gpt4o-prod", "gpt4o-prod", "gpt4o-prod"),
        ("llama3.2:latest", "llama3.2:latest", "llama3.2:latest"),
        ("llama3.2", "llama3.2", "llama3.2"),
        ("llama3.2:latest:llama3.2:latest", "llama3.2:latest", "llama3.2:latest"),
        ("my:llm", "my:llm", "my:llm"),
    ],
)
def test_resolve(full, ref, name, model):
    conn, model_id = full.resolve(ref)
    assert (conn.name, model_id) == (name, model)


def test_resolve_unknown_connection(full):
    with pytest.raises(UnknownModelError) as info:
        full.resolve("anthropic:claude-haiku-4-5")
    assert "'anthropic:claude-haiku-4-5'" in str(info.value)
    assert "gpt4o-prod" in str(info.value) and "openai" in str(info.value)
    with pytest.raises(UnknownModelError, match=r"org\.add"):
        nbc.Organization(persist=False).resolve("openai:gpt-4o")


def test_resolve_multi_model_connection_without_model(full):
    with pytest.raises(UnknownModelError) as info:
        full.resolve("openai")
    assert "openai:<model>" in str(info.value)
    assert "'openai:gpt-" in str(info.value)  # an example from the catalog
    with pytest.raises(UnknownModelError):
        full.resolve("openai:")


def test_resolve_single_model_with_another_model_refused(full):
    with pytest.raises(UnknownModelError, match="serves only the model 'gpt4o-prod'"):
        full.resolve("gpt4o-prod:gpt-4o-mini")


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_resolve_bad_references(full, bad):
    with pytest.raises(UnknownModelError, match="non-empty string"):
        full.resolve(bad)


def test_models_lists_catalog_models_and_single_model_names():
    org = nbc.Organization(
        persist=False,
        connections=[
            nbc.OpenAI(api_key="sk-0123456789abcdefgh"),
            nbc.Anthropic(api_key="sk-ant-0123456789abcd"),
            azure("gpt4o-prod"),
            foundry("DeepSeek-R1"),
            custom("llama3.2:latest"),
        ],
    )
    refs = org.models()
    assert "openai:gpt-4.1-mini" in refs and "openai:gpt-4o" in refs
    assert "anthropic:claude-haiku-4-5" in refs
    assert {"gpt4o-prod", "DeepSeek-R1", "llama3.2:latest"} <= set(refs)
    assert len(refs) == len(set(refs))
    for ref in refs:  # every listed reference resolves
        conn, model = org.resolve(ref)
        assert model and conn.name in org
    assert nbc.Organization(persist=False).models() == []


def test_gemini_and_vertex_list_gemini_models():
    org = nbc.Organization(
        persist=False,
        connections=[nbc.Gemini(api_key="AIza0123456789abcdef"), nbc.VertexAI(credentials=VERTEX_KEY)],
    )
    refs = org.models()
    assert "gemini:gemini-2.5-flash" in refs and "vertex:gemini-2.5-flash" in refs


# -- change callbacks --------------------------------------------------------------------------
def test_on_change_fires_after_add_replace_remove(org):
    seen: list[list[str]] = []
    org.on_change(lambda o: seen.append([c.name for c in o]))
    org.add(custom("a"))
    org.add(custom("a", port=1), replace=True)
    org.add(custom("b"))
    org.remove("a")
    assert seen == [["a"], ["a"], ["a", "b"], ["b"]]


def test_on_change_not_fired_on_refusal(org):
    calls = []
    org.add(nbc.OpenAI(api_key="sk-0123456789abcdefgh"))
    org.on_change(calls.append)
    with pytest.raises(OrganizationRuleError):
        org.add(nbc.OpenAI(api_key="sk-9876543210abcdefgh"))
    assert calls == []


def test_state_word_follows_the_last_verification():
    org = nbc.Organization(
        persist=False,
        connections=[nbc.Demo(), custom("m", port=9)],  # nothing listens on port 9
    )
    assert org.state("demo") == org.state("m") == "unverified"
    org.verify(timeout=5)
    assert org.state("demo") == "ok" and org.state("m") == "failing"
    assert {r["connection"]: r["status"] for r in org.model_rows()} == {"demo": "ok", "m": "failing"}
