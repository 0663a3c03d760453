"""The committed OpenAPI schema is the code's schema, and it validates (RELIABILITY.md 13).

When this fails after an API change, regenerate and commit the file:

    DEBUG=1 .venv/bin/python manage.py spectacular --file docs/openapi.yaml \
        --validate --fail-on-warn
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code_and_validates(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    # --validate checks it against the OpenAPI 3 meta-schema; --fail-on-warn makes any
    # generator warning (an unresolvable field, a name collision) an error.
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert COMMITTED.exists(), "docs/openapi.yaml is missing; generate it (see the docstring)."
    if generated.read_text() != COMMITTED.read_text():
        pytest.fail(
            "docs/openapi.yaml differs from the schema the code generates. Regenerate it with "
            "`DEBUG=1 .venv/bin/python manage.py spectacular --file docs/openapi.yaml "
            "--validate --fail-on-warn` and commit it."
        )


def test_every_operation_documents_the_error_shape() -> None:
    import yaml

    schema = yaml.safe_load(COMMITTED.read_text())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("401", "403", "429"):
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}, (method, path, code)
