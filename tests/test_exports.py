import nbconnect

PUBLIC = {
    # connections and the organization
    "Connection",
    "OpenAI",
    "Gemini",
    "VertexAI",
    "Anthropic",
    "AzureOpenAI",
    "AzureAIFoundry",
    "CustomLLM",
    "Demo",
    "Organization",
    "EnvReport",
    "Verification",
    "Catalog",
    "ModelInfo",
    "catalog",
    "data",  # the demo dataset module: nbc.data.reviews()
    "labelstudio",  # the Label Studio round trip (a subpackage, loaded on first use)
    # the engine
    "run",
    "start",
    "Job",
    "arun",
    "estimate",
    "resume",
    "Estimate",
    "Results",
    "runs",  # the kept runs (the run history); nbc.Results.load(id) opens one
    "Score",  # what a custom scorer may return: results.score(scorers=...)
    "judge",  # an LLM grades a run, through the same engine
    # widgets
    "ConnectionsPanel",
    "ModelPicker",
    "Playground",
    # errors
    "NbconnectError",
    "ConfigError",
    "SchemaError",
    "TemplateError",
    "UnknownModelError",
    "OrganizationRuleError",
    "StoreError",
    "ProviderError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "BadRequestError",
    "SchemaRejectedError",
    "RateLimitError",
    "QuotaExceededError",
    "OverloadedError",
    "ServerError",
    "RequestTimeout",
    "NetworkError",
    "__version__",
}


def test_public_names_are_pinned():
    # Adding a public name is a decision: update this set in the same commit.
    assert set(nbconnect.__all__) == PUBLIC
    assert len(nbconnect.__all__) == len(PUBLIC)


def test_every_public_name_exists():
    for name in nbconnect.__all__:
        assert hasattr(nbconnect, name), name
