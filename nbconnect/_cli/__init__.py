"""``nbconnect run experiment.toml``: the engine for scripts and CI (a top layer beside ``_widgets``)."""

__all__: list[str] = []
