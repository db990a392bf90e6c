"""Vertex AI connections: one service-account key per organization."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator

from .._wire.batch.gcs import parse_bucket
from .._wire.vertex import VertexAdapter
from .._wire.vertex_key import load_service_account
from .base import EnvVars
from .common import OnePerOrg
from .urls import check_url

__all__ = ["VertexAI"]


class VertexAI(OnePerOrg):
    """Google Cloud Vertex AI through a service-account key. One per organization."""

    provider = "vertex"
    title = "Vertex AI"
    adapter_class = VertexAdapter
    secret_fields = ("credentials",)
    env_vars: ClassVar[EnvVars] = {
        "credentials": ("GOOGLE_APPLICATION_CREDENTIALS",),
        "project": ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"),
        "location": ("GOOGLE_CLOUD_LOCATION",),
        # no Google SDK reads a batch bucket from the environment: nbconnect's own name
        "batch_bucket": ("NBCONNECT_VERTEX_BATCH_BUCKET",),
    }
    env_required = ("credentials",)
    key_url = "https://cloud.google.com/iam/docs/keys-create-delete"
    key_fix = "check the service account still exists and its key is valid, or create a new JSON key for it"
    help_text = (
        "One Vertex AI service account per organization. Create a JSON key for a service account "
        "(IAM › Service accounts › Keys), then choose the file or paste its text. Project and location "
        "are optional; the project defaults to the key's project_id. Batch runs (batch=True) need a "
        "Cloud Storage bucket the service account and the Vertex AI service agent may read and write."
    )
    links = (
        ("Create a service-account key", key_url),
        (
            "Authenticate to Vertex AI",
            "https://cloud.google.com/generative-ai-app-builder/docs/authentication#client-libs",
        ),
    )

    credentials: SecretStr = Field(
        description="Service-account key: the JSON text, a dict, or the path of the .json file."
    )
    project: str | None = Field(default=None, description="Project id; defaults to the key's project_id.")
    location: str = Field(
        default="global",
        pattern=r"^[a-z][a-z0-9-]{0,62}$",  # it becomes part of the API host name
        description="Region such as us-central1, or 'global'.",
    )
    batch_bucket: str | None = Field(
        default=None,
        description="Cloud Storage bucket for batch runs, gs://bucket or gs://bucket/prefix; without one "
        "batch=True runs this connection's cells live.",
    )
    storage_url: str | None = Field(
        default=None,
        description="Override the Cloud Storage API URL (an emulator, tests); default "
        "https://storage.googleapis.com.",
    )

    @field_validator("credentials", mode="before")
    @classmethod
    def _load_key(cls, value: Any) -> str:
        return load_service_account(value)

    @field_validator("batch_bucket")
    @classmethod
    def _check_bucket(cls, value: str | None) -> str | None:
        return None if value is None else parse_bucket(value).uri

    @model_validator(mode="after")
    def _check_storage_url(self):
        if self.storage_url is not None:
            url = check_url(
                self.storage_url, field="storage_url", allow_insecure_http=self.allow_insecure_http
            )
            object.__setattr__(self, "storage_url", url)
        return self

    @model_validator(mode="after")
    def _default_project(self):
        if not self.project:
            project = json.loads(self.credentials.get_secret_value()).get("project_id")
            if not project:
                raise ValueError("the key has no project_id; pass project='my-gcp-project'")
            object.__setattr__(self, "project", project)
        return self

    @property
    def hint(self) -> str:
        email = json.loads(self.credentials.get_secret_value()).get("client_email", "")
        return email  # the account e-mail is not secret and tells keys apart better than 4 characters
