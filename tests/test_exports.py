import nbconnect


def test_public_names_are_pinned():
    # Adding a public name is a decision: update this list in the same commit.
    assert sorted(nbconnect.__all__) == sorted(
        [
            "Anthropic",
            "AuthenticationError",
            "AzureAIFoundry",
            "AzureOpenAI",
            "BadRequestError",
            "Catalog",
            "ConfigError",
            "Connection",
            "CustomLLM",
            "Demo",
            "EnvReport",
            "Gemini",
            "ModelInfo",
            "NbconnectError",
            "NetworkError",
            "NotFoundError",
            "OpenAI",
            "Organization",
            "OrganizationRuleError",
            "OverloadedError",
            "PermissionDeniedError",
            "ProviderError",
            "QuotaExceededError",
            "RateLimitError",
            "RequestTimeout",
            "SchemaError",
            "SchemaRejectedError",
            "ServerError",
            "StoreError",
            "TemplateError",
            "UnknownModelError",
            "VertexAI",
            "__version__",
            "catalog",
        ]
    )


def test_every_public_name_exists():
    for name in nbconnect.__all__:
        assert hasattr(nbconnect, name), name
