import nbconnect

PUBLIC = """
Anthropic AuthenticationError AzureAIFoundry AzureOpenAI BadRequestError Catalog ConfigError Connection
ConnectionsPanel ModelPicker
CustomLLM Demo EnvReport Estimate Gemini ModelInfo NbconnectError NetworkError NotFoundError OpenAI
Organization OrganizationRuleError Playground OverloadedError PermissionDeniedError ProviderError QuotaExceededError
RateLimitError RequestTimeout Results SchemaError SchemaRejectedError ServerError StoreError TemplateError
UnknownModelError Verification VertexAI __version__ arun catalog estimate run
""".split()


def test_public_names_are_pinned():
    # Adding a public name is a decision: update this list in the same commit.
    assert sorted(nbconnect.__all__) == sorted(PUBLIC)


def test_every_public_name_exists():
    for name in nbconnect.__all__:
        assert hasattr(nbconnect, name), name
