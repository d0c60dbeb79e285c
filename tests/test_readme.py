"""The Python examples in the README run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    import smartlev.products as products

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README should show the engine in Python"
    registered = dict(products.PRODUCTS)
    try:
        for code in blocks:
            namespace: dict = {}
            exec(compile(code, "README.md", "exec"), namespace)
        assert "StopToken" in products.PRODUCTS  # the README's example product registered
    finally:  # the example product is not one of the package's
        products.PRODUCTS.clear()
        products.PRODUCTS.update(registered)


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert "make lab" in text and "make test" in text
