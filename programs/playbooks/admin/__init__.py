"""Playbooks in the admin: the program team writes, versions, runs and watches them.

Every save goes through the services: saving an active playbook writes its next version
(the admin then shows that version), retired versions open read-only, and runs and follow-up
tasks change through actions and services. Forms validate with the same cleaners the
services use, so a refusal shows next to the field. Importing this package registers it all.
"""

from __future__ import annotations

# ModelAdmin[Model] and ModelForm[Model] are typed generics; patch them in at run time
# before the modules below subscript them (harmless when another app did it already).
from programs.playbooks.admin import playbooks, runs

__all__ = ["playbooks", "runs"]
