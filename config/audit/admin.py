"""The audit trail in the admin: read-only, for program managers (the view permission comes
with their role) and superusers. auditlog's own page searches name fields this project's user
does not have; this one searches the email."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditTrailAdmin(LogEntryAdmin):
    search_fields = ["object_repr", "actor__email", "actor__full_name"]
