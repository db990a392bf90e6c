"""nbc.labelstudio costs nothing at `import nbconnect`, and says how to install the SDK it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

import nbconnect as nbc


def test_import_nbconnect_loads_neither_the_subpackage_nor_the_sdk():
    code = (
        "import sys, nbconnect as nbc\n"
        "before = {m for m in ('nbconnect.labelstudio', 'label_studio_sdk') if m in sys.modules}\n"
        "nbc.labelstudio.example()\n"
        "after = 'nbconnect.labelstudio' in sys.modules, 'label_studio_sdk' in sys.modules\n"
        "print(sorted(before), after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # nothing before first use; then the subpackage, and still not the SDK (only functions that parse need it)
    assert out.strip() == "[] (True, False)"


def test_without_the_sdk_the_error_says_how_to_install_it(monkeypatch):
    for name in [m for m in sys.modules if m == "label_studio_sdk" or m.startswith("label_studio_sdk.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "label_studio_sdk", None)  # what an absent package imports as
    with pytest.raises(ImportError, match=r"pip install 'nbconnect\[labelstudio\]'"):
        nbc.labelstudio.schema('<View><Text name="t" value="$t"/></View>')
    project = nbc.labelstudio.Project("http://127.0.0.1:9", api_key="k" * 20, id=1)
    with pytest.raises(ImportError, match="label-studio-sdk"):
        _ = project.config


def test_unknown_attribute_of_nbconnect_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'labelstudioo'"):
        _ = nbc.labelstudioo
