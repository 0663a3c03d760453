"""CSV import in the admin: upload, look at every row, then confirm.

The uploaded text waits in the session between the preview and the confirmation (capped by
`imports.MAX_UPLOAD_BYTES`), never on disk. The confirmation checks the file again, so what is
imported is what the rules allow at that moment, not what they allowed at the preview.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from champions import imports
from champions.admin.common import ServiceAdmin
from champions.errors import DomainError
from champions.models import User

ModelT = TypeVar("ModelT", bound=models.Model)


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8, with a header row; at most "
        f"{imports.MAX_UPLOAD_BYTES // 1024 // 1024} MB and {imports.MAX_ROWS:,} rows.",
    )


class ImportConfirmForm(forms.Form):
    # The preview's file, so that a confirmation never imports a file nobody looked at.
    digest = forms.CharField(widget=forms.HiddenInput)


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of an admin request (the admin lets no one else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


class CsvImportAdmin(ServiceAdmin[ModelT]):
    """A ModelAdmin whose changelist offers "Import CSV"; only for users who may add."""

    import_columns: ClassVar[tuple[imports.Column, ...]] = ()
    import_confirm_form: ClassVar[type[ImportConfirmForm]] = ImportConfirmForm

    def import_preview(self, content: str) -> imports.Preview[Any]:
        raise NotImplementedError

    def import_apply(
        self, request: HttpRequest, content: str, form: ImportConfirmForm
    ) -> imports.ImportResult:
        raise NotImplementedError

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_upload_view),
                name=f"{prefix}_import",
            ),
            path(
                "import/preview/",
                self.admin_site.admin_view(self.import_preview_view),
                name=f"{prefix}_import_preview",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.has_add_permission(request):
            extra_context = {**(extra_context or {}), "csv_import_url": self._url("import")}
        return super().changelist_view(request, extra_context)

    def import_upload_view(self, request: HttpRequest) -> HttpResponse:
        self._check_may_import(request)
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imports.check_upload_size(size=upload.size)
                content = imports.decode_upload(data=upload.read())
                self.import_preview(content)  # a file-level error shows on this page
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                request.session[self._session_key()] = {
                    "filename": upload.name,
                    "content": content,
                }
                return HttpResponseRedirect(self._url("import_preview"))
        return self._render(request, "csv_import_upload.html", {"form": form})

    def import_preview_view(self, request: HttpRequest) -> HttpResponse:
        self._check_may_import(request)
        stored = request.session.get(self._session_key())
        if not stored:
            self.message_user(request, "Upload a file to import first.", messages.WARNING)
            return HttpResponseRedirect(self._url("import"))
        content: str = stored["content"]
        preview = self.import_preview(content)
        form = self.import_confirm_form(request.POST or None, initial={"digest": _digest(content)})
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["digest"] != _digest(content):
                self.message_user(
                    request,
                    "Another file was uploaded since this preview; check this one before "
                    "importing it.",
                    messages.ERROR,
                )
            else:
                result = self.import_apply(request, content, form)
                del request.session[self._session_key()]
                self._report(request, result)
                return HttpResponseRedirect(self._url("changelist"))
        context = {"form": form, "preview": preview, "filename": stored["filename"]}
        return self._render(request, "csv_import_preview.html", context)

    def _report(self, request: HttpRequest, result: imports.ImportResult) -> None:
        level = messages.SUCCESS if result.imported else messages.WARNING
        summary = f"{result.imported} imported, {result.skipped} skipped."
        self.message_user(request, summary, level)
        for refusal in result.refused:
            self.message_user(request, f"{refusal.column}: {refusal.message}", messages.ERROR)

    def _check_may_import(self, request: HttpRequest) -> None:
        if not self.has_add_permission(request):
            raise PermissionDenied

    def _session_key(self) -> str:
        return f"champions:csv-import:{self.opts.label_lower}"

    def _url(self, view: str) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}")

    def _render(
        self, request: HttpRequest, template: str, context: dict[str, Any]
    ) -> TemplateResponse:
        verbose_plural = self.opts.verbose_name_plural
        return TemplateResponse(
            request,
            f"admin/champions/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Import {verbose_plural} from CSV",
                "columns": self.import_columns,
                "header_example": ",".join(column.name for column in self.import_columns),
                "upload_url": self._url("import"),
                "changelist_url": self._url("changelist"),
                **context,
            },
        )
