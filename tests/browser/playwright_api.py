"""Playwright's sync API, for the browser test modules: importing it skips the importing module
(with the reason) when playwright is not installed, except under CI, where a missing playwright
is a collection error instead of a skip."""

from __future__ import annotations

import pytest
from lab import in_ci

if not in_ci():
    pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (the dev extra)")
from playwright.sync_api import Locator, Page, expect

__all__ = ["Locator", "Page", "expect"]
