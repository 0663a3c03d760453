from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "config.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from auditlog.signals import pre_log
        from django.db.models.signals import pre_save

        from champions.privacy import register_erasure_hook
        from champions.roles import ROLE_PERMISSIONS, Role
        from config.audit import trail

        trail.track_own_columns_only()
        trail.record_m2m_changes_only_by_people()
        pre_log.connect(trail.records_this_change, dispatch_uid="audit-records-this-change")
        pre_save.connect(trail.neutral_title, sender=LogEntry, dispatch_uid="audit-neutral-title")
        register_erasure_hook(trail.erase_audit_trail)
        if "auditlog.view_logentry" not in ROLE_PERMISSIONS[Role.PROGRAM_MANAGER]:
            ROLE_PERMISSIONS[Role.PROGRAM_MANAGER].append("auditlog.view_logentry")
