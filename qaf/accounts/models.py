"""Accounts, roles, API tokens and the records behind lockout and session control."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What an account may do and see (DOMAIN.md, "Who uses it")."""

    PRACTITIONER = "practitioner", "Practitioner"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant director"
    DIRECTOR = "director", "Director"
    QA_OFFICER = "qa_officer", "QA unit"
    CP_CHAIR = "cp_chair", "Child protection chair"
    IRO = "iro", "Independent reviewing officer"
    PARTNER_AUDITOR = "partner_auditor", "Partner agency auditor"
    ELECTED_MEMBER = "elected_member", "Elected member"


class User(AbstractUser):
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.PRACTITIONER)
    staff = models.OneToOneField(
        "organisation.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    # Partner agency auditors are not council staff: their agency is recorded here.
    agency = models.CharField(max_length=120, blank=True)
    # The council provider's stable subject identifier ("sub"). Single sign-on matches on this,
    # never on the e-mail claim, which a provider may let people change.
    oidc_subject = models.CharField(max_length=255, null=True, blank=True, unique=True)

    # Shorthands for templates; the role sets live in accounts/permissions.py.
    @property
    def sees_children(self) -> bool:
        from .permissions import NEVER_SEE_CHILDREN

        return self.role not in NEVER_SEE_CHILDREN

    @property
    def is_qa_unit(self) -> bool:
        from .permissions import QA_UNIT

        return self.role in QA_UNIT


class LoginFailure(models.Model):
    """A sign-in attempt that has not (yet) succeeded, keyed on the username typed and the
    client's address (docs/security.md, "Lockout"). Each attempt is written before its password
    is checked, and removed when the password proves right, so parallel attempts cannot
    overtake the count."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=45, blank=True, default="")
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"failed sign-in for {self.username}"


class KnownSignInAddress(models.Model):
    """An address this username has signed in from successfully: failures from strangers
    elsewhere never lock the person out there."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45)
    last_success_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "address"], name="known_sign_in_address")
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"


class UserSession(models.Model):
    """Which sessions belong to which account, so disabling an account ends all of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class APIToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (qaf_{self.prefix}...)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
