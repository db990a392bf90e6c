"""A Label Studio project on a server, through the official SDK client.

The API key is a pydantic ``SecretStr`` from the moment it enters: :class:`Project`'s repr shows
only a masked hint, and every error the SDK or httpx raises is turned into an nbconnect error
whose message is scrubbed of the key before it is raised.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import SecretStr

from .._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RequestTimeout,
    ServerError,
)
from .._secrets import mask
from .config import _INSTALL
from .schema import schema as _schema
from .tasks import tasks as _tasks

if TYPE_CHECKING:
    from .._results.results import Results

__all__ = ["Project"]

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


class Project:
    """One project of a Label Studio server: ``Project(url, api_key=..., id=...)``.

    ``api_key`` is the account's API token (Account & Settings; a legacy token or a personal
    access token, as the SDK accepts). ``timeout`` is in seconds, per request.
    """

    def __init__(self, url: str, *, api_key: str | SecretStr, id: int, timeout: float = 60.0) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"url= must be the server's http(s) address, like 'http://localhost:8080'; got {url!r}"
            )
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(str(api_key or ""))
        if not key.get_secret_value().strip():
            raise ConfigError("api_key= is empty; copy the token from Label Studio's Account & Settings page")
        if isinstance(id, bool) or not isinstance(id, int) or id < 1:
            raise ConfigError(f"id= must be the project's number (in its URL: /projects/<id>); got {id!r}")
        self.url, self.id, self._key, self._timeout = url.rstrip("/"), id, key, timeout

    def __repr__(self) -> str:
        return f"Project(url={self.url!r}, id={self.id}, api_key='{mask(self._key.get_secret_value())}')"

    def __reduce__(self) -> Any:  # pickling would write the key to disk: refuse, like Connection does
        raise TypeError("a Project holds an API key and is not picklable; make a new one where needed")

    # -- the SDK client and its errors ----------------------------------------------------------
    @classmethod
    def create(
        cls, url: str, *, api_key: str | SecretStr, title: str, config: str, timeout: float = 60.0
    ) -> Project:
        """Make a new project on the server with ``title`` (3 characters at least) and labeling ``config``."""
        probe = cls(url, api_key=api_key, id=1, timeout=timeout)
        with probe._calls("create a project") as sdk:
            made = sdk.projects.create(title=title, label_config=config)
        return cls(url, api_key=api_key, id=int(made.id), timeout=timeout)

    def _scrub(self, text: str) -> str:
        secret = self._key.get_secret_value()
        return text.replace(secret, mask(secret)) if secret else text

    @contextmanager
    def _calls(self, what: str) -> Iterator[Any]:
        """An SDK client for one step, on an httpx client closed after it (a client kept alive
        would leave its sockets to the garbage collector), with the SDK's errors translated."""
        import httpx

        try:
            from label_studio_sdk import LabelStudio
            from label_studio_sdk.core.api_error import ApiError
        except ImportError as exc:
            raise ImportError(_INSTALL) from exc

        where = f"Label Studio at {self.url}: {what}"
        try:
            with httpx.Client(timeout=self._timeout) as http:
                yield LabelStudio(base_url=self.url, api_key=self._key.get_secret_value(), httpx_client=http)
        except ApiError as exc:
            status = exc.status_code or 0
            body = exc.body if isinstance(exc.body, str) else json.dumps(exc.body, default=str)
            kind = _BY_STATUS.get(status, ServerError if status >= 500 else ProviderError)
            hint = (
                " (check api_key=; on Label Studio 1.23+ legacy tokens must be enabled)"
                if status == 401
                else ""
            )
            raise kind(
                self._scrub(f"{where} failed: {body[:300]}{hint}"), provider="labelstudio", status=status
            ) from None
        except httpx.TimeoutException:
            raise RequestTimeout(
                f"{where} timed out after {self._timeout:g} s", provider="labelstudio"
            ) from None
        except httpx.HTTPError as exc:
            raise NetworkError(
                self._scrub(f"{where} failed: {exc}; is the server running?"), provider="labelstudio"
            ) from None

    # -- reading --------------------------------------------------------------------------------
    @property
    def config(self) -> str:
        """The project's labeling config (XML), fetched from the server."""
        with self._calls(f"read project {self.id}") as sdk:
            return str(sdk.projects.get(self.id).label_config)

    def schema(self, *, ignore: Iterable[str] = ()) -> dict[str, Any]:
        """:func:`nbconnect.labelstudio.schema` of the project's config."""
        return _schema(self.config, ignore=ignore)

    def export(self) -> list[dict[str, Any]]:
        """Every task of the project with its annotations, as the JSON export holds them."""
        with self._calls(f"export project {self.id}") as sdk:
            chunks = sdk.projects.exports.download_sync(self.id, export_type="JSON", download_all_tasks=True)
            return json.loads(b"".join(chunks))

    def tasks(
        self,
        *,
        annotation: str | Callable[[list[dict[str, Any]]], dict[str, Any] | None] = "latest",
        ignore: Iterable[str] = (),
    ) -> pd.DataFrame:
        """:func:`nbconnect.labelstudio.tasks` of the project's export and config."""
        return _tasks(self.export(), self.config, annotation=annotation, ignore=ignore)

    def predictions(self) -> list[dict[str, Any]]:
        """The project's predictions as dicts: ``task``, ``model_version``, ``score``, ``result``."""
        with self._calls(f"list the predictions of project {self.id}") as sdk:
            found = sdk.predictions.list(project=self.id)
        keys = ("task", "model_version", "score", "result")
        return [{k: getattr(p, k, None) for k in keys} for p in found]

    # -- writing --------------------------------------------------------------------------------
    def import_tasks(self, tasks: list[dict[str, Any]]) -> list[int]:
        """Add tasks (``{"data": ..., "annotations"/"predictions": [...]}`` dicts); returns their ids."""
        with self._calls(f"import tasks into project {self.id}") as sdk:
            made = sdk.projects.import_tasks(self.id, request=tasks, return_task_ids=True)
        return [int(i) for i in (made.task_ids or [])]

    def push(self, predictions: Results | list[dict[str, Any]], *, score: Any = None) -> int:
        """Send predictions to the project's tasks; returns how many it created. ``predictions``:
        Results (turned into predictions with this project's config) or what ``to_labelstudio`` gave;
        call that yourself to read its ``notes`` (what was left out) before sending."""
        if hasattr(predictions, "to_labelstudio"):
            predictions = predictions.to_labelstudio(self.config, score=score)
        items = list(predictions)
        if any("task" not in p for p in items):
            raise ConfigError(
                "push() sends predictions to existing tasks, and these name none: run on "
                "project.tasks() (it keeps the ls_id column), or import_tasks() this list instead"
            )
        if not items:
            return 0
        with self._calls(f"import predictions into project {self.id}") as sdk:
            made = sdk.projects.import_predictions(self.id, request=items)
        return int(getattr(made, "created", len(items)) or 0)
