"""What the admin pages of the champions core share: dry runs, per-row actions, CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from champions.errors import DomainError
from champions.models import Invitation

ModelT = TypeVar("ModelT", bound=models.Model)

# Beyond this many refusals in one action, the rest are summed up in one message.
MAX_MESSAGES = 20


class _RollBack(Exception):
    """Raised at the end of a dry run so that its savepoint is rolled back."""


def service_refusal(call: Callable[[], object]) -> DomainError | None:
    """Run a service in a savepoint that is always rolled back: the DomainError it raised.

    Forms use it to show a service's refusal as a form error before anything is saved,
    without restating the service's rules. Work a service defers with `on_commit` (emails,
    tasks) is dropped with the savepoint, so a dry run sends nothing.
    """
    try:
        with transaction.atomic():
            call()
            raise _RollBack
    except DomainError as error:
        return error
    except _RollBack:
        return None


def add_refusal(form: forms.BaseForm, refusal: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)


class ServiceForm(forms.ModelForm[ModelT]):
    """An add form whose `create()` calls a service; `clean()` tries it first in a dry run.

    So a refusal shows on the field it names, and nothing is saved until the form is valid.
    """

    def create(self) -> ModelT:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors and (refusal := service_refusal(self.create)):
            add_refusal(self, refusal)
        return self.cleaned_data


class ServiceAdmin(admin.ModelAdmin[ModelT]):
    """A ModelAdmin whose add page creates through its `ServiceForm`, and that shows a
    DomainError as a message, never as a server error."""

    def save_model(self, request: HttpRequest, obj: ModelT, form: Any, change: bool) -> None:
        if change or not isinstance(form, ServiceForm):
            super().save_model(request, obj, form, change)
            return
        created = form.create()  # the dry run in clean() passed
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # Refused after the form's dry run had passed (a concurrent change). The admin's
            # transaction around this view has rolled back, so nothing of it was saved.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def apply_to_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    objects: Iterable[ModelT],
    change: Callable[[ModelT], object],
    *,
    done: str,
    label: Callable[[ModelT], str] = str,
) -> None:
    """Call a service for each object; report what was done and each refusal.

    Each service call is atomic, so a refused object is left exactly as it was.
    """
    succeeded: list[str] = []
    refusals: list[str] = []
    for obj in objects:
        try:
            change(obj)
        except DomainError as error:
            name = label(obj)
            refusals.append(error.message if name in error.message else f"{name}: {error.message}")
        else:
            succeeded.append(label(obj))
    if succeeded:
        model_admin.message_user(request, f"{done}: {_names(succeeded)}.", messages.SUCCESS)
    for refusal in refusals[:MAX_MESSAGES]:
        model_admin.message_user(request, refusal, messages.ERROR)
    if len(refusals) > MAX_MESSAGES:
        more = len(refusals) - MAX_MESSAGES
        model_admin.message_user(request, f"… and {more} more refused.", messages.ERROR)
    if not succeeded and not refusals:
        model_admin.message_user(request, "Nothing to do.", messages.INFO)


def _names(names: Sequence[str], shown: int = 10) -> str:
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


class _Echo:
    """A file whose write hands back what it was given, so csv.writer yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_download(*, filename: str, rows: Iterable[Sequence[str]]) -> StreamingHttpResponse:
    """Stream rows as a UTF-8 CSV file that Excel opens with the right characters."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


class SeparatedListField(forms.CharField):
    """A list of short strings (a JSON list in the model) edited as "en; de"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "; ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [item.strip() for item in text.split(";") if item.strip()]


def invitation_status(invitation: Invitation) -> str:
    """open, accepted, expired or revoked: what a click on the invitation's link would meet."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> SafeString:
    """A small read-only table for a panel on a change page; cells are escaped."""
    body = [format_html_join("", "<td>{}</td>", ((cell,) for cell in row)) for row in rows]
    if not body:
        return format_html("<p>{}</p>", "None yet.")
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", "<th>{}</th>", ((header,) for header in headers)),
        format_html_join("", "<tr>{}</tr>", ((cells,) for cells in body)),
    )
