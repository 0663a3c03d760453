"""What a template may contain: the same rules for the services, the admin and the portal."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator

from champions.errors import DomainError
from programs.library.models import TemplateKind

DEFAULT_ALLOWED_EXTENSIONS = (
    ".csv",
    ".docx",
    ".json",
    ".md",
    ".pdf",
    ".pptx",
    ".txt",
    ".xlsx",
    ".zip",
)
DEFAULT_MAX_UPLOAD_MB = 10
_MB = 1024 * 1024


def allowed_extensions() -> tuple[str, ...]:
    configured = getattr(settings, "TEMPLATE_ALLOWED_EXTENSIONS", DEFAULT_ALLOWED_EXTENSIONS)
    return tuple(sorted(ext.lower() for ext in configured))


def max_upload_mb() -> int:
    return int(getattr(settings, "TEMPLATE_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))


def check_template_file(file: File[bytes]) -> None:
    """Refuse a file whose type is not allowed or that is larger than the limit, naming it."""
    suffix = PurePath(file.name or "").suffix.lower()
    allowed = allowed_extensions()
    if suffix not in allowed:
        shown = f"“{suffix}” files are" if suffix else "Files without an extension are"
        raise DomainError(
            f"{shown} not accepted; allowed types: {', '.join(allowed)}.", field="file"
        )
    limit = max_upload_mb()
    size = file.size or 0
    if size > limit * _MB:
        raise DomainError(
            f"The file is {size / _MB:.1f} MB; the limit is {limit} MB.", field="file"
        )


def check_template_content(*, kind: str, file: File[bytes] | None, link: str, body: str) -> None:
    """Each kind needs its content: a file, an http(s) link or a Markdown body."""
    if kind not in TemplateKind.values:
        raise DomainError(f"“{kind}” is not a template kind.", field="kind")
    if kind == TemplateKind.FILE and not file:
        raise DomainError("A file template needs a file.", field="file")
    if kind == TemplateKind.LINK:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise DomainError(
                "A link template needs a web address starting with https://.", field="link"
            ) from None
    if kind == TemplateKind.MARKDOWN and not body.strip():
        raise DomainError("A Markdown template needs a body.", field="body")
