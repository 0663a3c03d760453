"""How the audit trail records, masks and forgets.

- `AuditMiddleware`: auditlog's middleware (actor and client address of each change), with
  the address taken the way allauth's rate limits take it: from a configured trusted proxy
  only, never from a raw `X-Forwarded-For` a client can forge; and the actor read when a change
  is recorded, not when the request starts, so an API call's bearer-token user (authenticated
  inside the view) is the actor too.
- `records_this_change`: what a person did is recorded (in a request, or under auditlog's
  `set_actor`); the system's own work (tasks, the CRM sync, imports, the demo data) is not.
  Nor is anything about a person already erased.
- `mask`: emails keep their domain (the customer), free texts only their length.
- `neutral_title`: a record's title is "champion #12", never the person's name or email.
- `erase_audit_trail`: the erasure hook. Rows about the person (their user, champion records
  and every recorded row that points at them) are deleted; rows they made as the actor lose
  their address and email; the masking that follows is not recorded (`records_this_change`),
  so no new row holds the old values.
"""

from __future__ import annotations

import re
from typing import Any

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, pre_save
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from champions.models import Champion, User
from config.middleware import client_ip

EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None

    @staticmethod
    def _get_actor(request: HttpRequest) -> Any:
        def signed_in() -> User | None:
            user = getattr(request, "user", None)
            return user if isinstance(user, User) and user.is_authenticated else None

        return SimpleLazyObject(signed_in)


def _actor() -> User | None:
    """The person of the auditlog context in force, if any. auditlog leaves its context
    variable set after a request or `set_actor` ends and only disconnects the receiver that
    stamps entries, so a context is in force while that receiver is connected."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return None
    in_force = any(entry[0][0] == context.get("signal_duid") for entry in pre_save.receivers)
    actor = context.get("actor")
    return actor if in_force and isinstance(actor, User) else None


def mask(value: str) -> str:
    if value in ("", "None"):  # nothing there: auditlog passes a missing value as "None"
        return value
    if EMAIL.fullmatch(value):
        return "***@" + value.rsplit("@", 1)[1]
    return f"*** ({len(value)} characters)"


def neutral_title(sender: type[LogEntry], instance: LogEntry, **kwargs: Any) -> None:
    if instance.content_type_id and not instance.pk:
        model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
        name = model._meta.verbose_name if model else "record"
        instance.object_repr = f"{name} #{instance.object_pk}"


def records_this_change(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> bool:
    if _actor() is None:
        return False
    if isinstance(instance, Champion):
        return instance.erased_at is None
    if isinstance(instance, User) and not instance.is_active:
        return not Champion.objects.filter(user=instance, erased_at__isnull=False).exists()
    return True


def track_own_columns_only() -> None:
    """Record a model's own columns, never its reverse relations: auditlog reads every field
    `_meta.get_fields()` lists, and reading a reverse one-to-one that does not exist yet (a
    case's consequence, a champion's reference profile) caches "none" on the instance, so
    the code that creates it next would not see it."""
    for model in auditlog.get_models():
        options = auditlog._registry[model]
        if not options["include_fields"]:
            options["include_fields"] = [
                field.name
                for field in model._meta.concrete_fields
                if field.name not in options["exclude_fields"]
            ]


def record_m2m_changes_only_by_people() -> None:
    """auditlog records many-to-many changes (a user's groups, a champion's product areas)
    without its `pre_log` signal; put `records_this_change`'s first rule in front of them."""
    for model, receivers in auditlog._m2m_signals.items():
        for field_name, receiver in list(receivers.items()):
            through = getattr(model, field_name).through
            uid = auditlog._m2m_dispatch_uid(m2m_changed, through)
            m2m_changed.disconnect(sender=through, dispatch_uid=uid)

            def when_a_person_acts(*args: Any, _receiver: Any = receiver, **kwargs: Any) -> None:
                if _actor() is not None:
                    _receiver(*args, **kwargs)

            receivers[field_name] = when_a_person_acts
            m2m_changed.connect(when_a_person_acts, sender=through, dispatch_uid=uid, weak=False)


def _rows_about(model: type[models.Model], champion: Champion) -> list[str]:
    """Primary keys of the rows of `model` that are the person or point at them."""
    if model is Champion:
        return [str(champion.pk)]
    if model is User:
        return [str(champion.user_id)] if champion.user_id else []
    people = models.Q()
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        if field.related_model is Champion:
            people |= models.Q(**{field.name: champion.pk})
        elif field.related_model is User and champion.user_id:
            people |= models.Q(**{field.name: champion.user_id})
    if not people:
        return []
    return [str(pk) for pk in model._default_manager.filter(people).values_list("pk", flat=True)]


def erase_audit_trail(champion: Champion, actor: User | None) -> None:
    for model in auditlog.get_models():
        pks = _rows_about(model, champion)
        if pks:
            content_type = ContentType.objects.get_for_model(model)
            LogEntry.objects.filter(content_type=content_type, object_pk__in=pks).delete()
    if champion.user_id:
        LogEntry.objects.filter(actor_id=champion.user_id).update(
            remote_addr=None, actor_email=None
        )
