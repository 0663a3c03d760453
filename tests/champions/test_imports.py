"""CSV import of accounts and champions: preview every row, write only on confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from champions import imports
from champions.errors import DomainError
from champions.models import Account, Champion, ChampionState, Invitation
from tests.factories import AccountFactory, ChampionFactory, ProductAreaFactory

pytestmark = pytest.mark.django_db

CHAMPION_IMPORT = reverse("admin:champions_champion_import")
CHAMPION_PREVIEW = reverse("admin:champions_champion_import_preview")
ACCOUNT_IMPORT = reverse("admin:champions_account_import")
ACCOUNT_PREVIEW = reverse("admin:champions_account_import_preview")


@pytest.fixture(autouse=True)
def _admin_without_mfa(settings: Any) -> None:
    # The MFA gate in front of the admin has its own tests; these are about the pages behind it.
    settings.ADMIN_REQUIRE_MFA = False


@pytest.fixture
def acme(db: None) -> Account:
    ProductAreaFactory(slug="reporting", name="Reporting")
    return AccountFactory(name="Acme", domain="acme.example")


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


CHAMPIONS_FILE = _csv(
    "email,full_name,account_domain,title,tier,timezone,languages,expertise,product_areas",
    "ann@acme.example,Ann Lee,acme.example,Ops lead,advocate,Europe/Berlin,en;de,SQL;dashboards,"
    "reporting",
    "not-an-email,Bad Email,acme.example,,,,,,",
    "bob@nowhere.example,Bob Nowhere,nowhere.example,,,,,,",
    "ANN@acme.example,Ann Again,Acme,,,,,,",
    "taken@acme.example,Tom Taken,acme.example,,,,,,",
    "cat@acme.example,Cat Zone,Acme,,ambassador,Mars/Olympus,,,",
    "dan@acme.example,Dan Doe,Acme,,,,,,",
)


def _upload(client: Any, url: str, content: bytes, name: str = "people.csv") -> Any:
    return client.post(url, {"file": SimpleUploadedFile(name, content, "text/csv")})


def _errors_by_line(preview: imports.Preview[Any]) -> dict[int, list[str]]:
    return {
        row.line: [f"{error.column}: {error.message}" for error in row.errors]
        for row in preview.rows
    }


# --- the preview names every problem and writes nothing -------------------------------------


def test_champion_preview_names_the_column_of_each_error(acme: Account) -> None:
    ChampionFactory(email="taken@acme.example", full_name="Tara Taken", account=acme)

    preview = imports.champions_preview(content=CHAMPIONS_FILE.decode())

    errors = _errors_by_line(preview)
    assert errors[2] == []
    assert errors[3] == ["email: “not-an-email” is not a valid email address."]
    assert errors[4] == ["account_domain: No account has the domain or name “nowhere.example”."]
    assert errors[5] == ["email: Also on line 2 of this file."]
    assert errors[6] == ["email: Already the champion Tara Taken at Acme (active)."]
    assert errors[7] == ["timezone: “Mars/Olympus” is not a time zone like Europe/Berlin."]
    assert errors[8] == []
    ann = preview.rows[0].parsed
    assert ann is not None
    assert (ann.account, ann.tier, ann.languages, ann.expertise) == (
        acme,
        "advocate",
        ("en", "de"),
        ("SQL", "dashboards"),
    )
    assert [area.slug for area in ann.product_areas] == ["reporting"]


def test_champion_preview_checks_tier_languages_and_product_areas(acme: Account) -> None:
    content = _csv(
        "email,full_name,account_domain,tier,languages,product_areas",
        "eve@acme.example,Eve,acme.example,Gold,english,reporting;billing",
    ).decode()

    preview = imports.champions_preview(content=content)

    assert _errors_by_line(preview)[2] == [
        "tier: “Gold” is not one of community, advocate, ambassador.",
        "languages: english: not ISO 639-1 codes like en or de.",
        "product_areas: Unknown: billing (known: reporting).",
    ]


def test_upload_shows_the_preview_and_writes_nothing(
    admin_client_logged_in: Any, acme: Account
) -> None:
    ChampionFactory(email="taken@acme.example", account=acme)

    uploaded = _upload(admin_client_logged_in, CHAMPION_IMPORT, CHAMPIONS_FILE)
    page = admin_client_logged_in.get(CHAMPION_PREVIEW)

    assert uploaded.status_code == 302
    assert uploaded["Location"] == CHAMPION_PREVIEW
    html = page.content.decode()
    assert "7 rows." in html
    assert "2 will be imported" in html
    assert "is not a valid email address" in html
    assert "No account has the domain or name" in html
    assert "Also on line 2 of this file." in html
    assert Champion.objects.count() == 1
    assert not Invitation.objects.exists()


def test_confirm_imports_only_the_valid_rows(
    admin_client_logged_in: Any, acme: Account, django_capture_on_commit_callbacks: Any
) -> None:
    ChampionFactory(email="taken@acme.example", account=acme)
    _upload(admin_client_logged_in, CHAMPION_IMPORT, CHAMPIONS_FILE)
    preview_page = admin_client_logged_in.get(CHAMPION_PREVIEW)
    digest = preview_page.context["form"].initial["digest"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(CHAMPION_PREVIEW, {"digest": digest})

    assert response.status_code == 302
    assert "2 imported, 5 skipped." in [str(m) for m in get_messages(response.wsgi_request)]
    imported = Champion.objects.filter(email__in=["ann@acme.example", "dan@acme.example"])
    assert sorted(imported.values_list("state", flat=True)) == [ChampionState.INVITED] * 2
    ann = imported.get(email="ann@acme.example")
    assert (ann.timezone, ann.languages, ann.tier) == ("Europe/Berlin", ["en", "de"], "advocate")
    assert list(ann.product_areas.values_list("slug", flat=True)) == ["reporting"]
    assert Champion.objects.count() == 3
    assert mail.outbox == []  # no invitations unless asked for
    # The file is gone from the session: confirming again imports nothing twice.
    assert admin_client_logged_in.get(CHAMPION_PREVIEW)["Location"] == CHAMPION_IMPORT


def test_confirm_can_send_the_invitations(
    admin_client_logged_in: Any,
    staff_user: Any,
    acme: Account,
    django_capture_on_commit_callbacks: Any,
) -> None:
    content = _csv("email,full_name,account_domain", "gil@acme.example,Gil,acme.example")
    _upload(admin_client_logged_in, CHAMPION_IMPORT, content)
    digest = admin_client_logged_in.get(CHAMPION_PREVIEW).context["form"].initial["digest"]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(CHAMPION_PREVIEW, {"digest": digest, "send_invitations": "on"})

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.invited_by_user) == ("gil@acme.example", staff_user)
    assert [message.to for message in mail.outbox] == [["gil@acme.example"]]


def test_a_row_refused_after_the_preview_is_skipped_not_fatal(acme: Account) -> None:
    content = _csv(
        "email,full_name,account_domain",
        "hal@acme.example,Hal,acme.example",
        "ivy@acme.example,Ivy,acme.example",
    ).decode()
    imports.champions_preview(content=content)
    ChampionFactory(email="hal@acme.example", account=acme)  # added by someone in between

    result = imports.champions_apply(content=content, send_invitations=False, invited_by_user=None)

    assert (result.imported, result.skipped) == (1, 1)
    assert Champion.objects.filter(email="ivy@acme.example").exists()


def test_confirming_a_preview_of_another_file_is_refused(
    admin_client_logged_in: Any, acme: Account
) -> None:
    _upload(
        admin_client_logged_in,
        CHAMPION_IMPORT,
        _csv("email,full_name,account_domain", "a@acme.example,A,acme.example"),
    )
    stale_digest = admin_client_logged_in.get(CHAMPION_PREVIEW).context["form"].initial["digest"]
    _upload(
        admin_client_logged_in,
        CHAMPION_IMPORT,
        _csv("email,full_name,account_domain", "b@acme.example,B,acme.example"),
    )

    response = admin_client_logged_in.post(CHAMPION_PREVIEW, {"digest": stale_digest})

    assert response.status_code == 200
    assert "Another file was uploaded" in response.content.decode()
    assert not Champion.objects.exists()


# --- files refused as a whole ---------------------------------------------------------------


def test_an_oversize_file_is_refused(admin_client_logged_in: Any) -> None:
    big = b"email,full_name,account_domain\n" + b"x" * imports.MAX_UPLOAD_BYTES

    response = _upload(admin_client_logged_in, CHAMPION_IMPORT, big)

    assert response.status_code == 200
    assert "the limit is 2 MB" in response.context["form"].errors["file"][0]
    # Nothing was kept for a preview.
    assert admin_client_logged_in.get(CHAMPION_PREVIEW)["Location"] == CHAMPION_IMPORT


def test_too_many_rows_are_refused() -> None:
    rows = [f"p{n}@acme.example,P {n},acme.example" for n in range(imports.MAX_ROWS + 1)]

    with pytest.raises(DomainError, match="more than 5,000 rows"):
        imports.champions_preview(content=_csv("email,full_name,account_domain", *rows).decode())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"email,name\nx@y.example,X\n", "no column full_name, account_domain"),
        (b"email,full_name,account_domain\n", "no data rows"),
        ("email,full_name,account_domain\nä,b,c\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
    ],
    ids=["missing columns", "header only", "not utf-8", "empty"],
)
def test_unusable_files_are_refused_on_the_upload_page(
    admin_client_logged_in: Any, content: bytes, message: str
) -> None:
    response = _upload(admin_client_logged_in, CHAMPION_IMPORT, content or b" ")

    assert message in response.context["form"].errors["file"][0]


def test_excel_semicolon_files_with_a_byte_order_mark_are_read(acme: Account) -> None:
    data = 'Email;Full Name;Account Domain;Languages\nkim@acme.example;Kim;acme.example;"en;fr"\n'

    content = imports.decode_upload(data=data.encode("utf-8-sig"))
    preview = imports.champions_preview(content=content)

    row = preview.rows[0]
    assert row.errors == ()
    assert row.parsed is not None and row.parsed.languages == ("en", "fr")


# --- accounts -------------------------------------------------------------------------------


ACCOUNTS_FILE = _csv(
    "name,domain,industry,region,size_band,plan,arr,crm_id,owner",
    "Initech,initech.example,software,na,200-999,enterprise,120000.50,hs-1,Bill",
    "Umbrella,umbrella.example,pharma,emea,50-199,,,,",
    "Hooli,acme.example,Software & SaaS,APAC,5000+,,-5,,",
    "Initrode,initech.example,retail,latam,1-49,,,,",
    "Vandelay,vandelay.example,logistics,na,1-49,starter,1000,,",
)


def test_account_preview_names_the_column_of_each_error(acme: Account) -> None:
    preview = imports.accounts_preview(content=ACCOUNTS_FILE.decode())

    assert preview.ignored_columns == ("owner",)
    assert _errors_by_line(preview) == {
        2: [],
        3: [
            "industry: “pharma” is not one of fintech, healthcare, manufacturing, retail, "
            "software, logistics, education, public, media, energy."
        ],
        4: [
            "domain: Already used by the account Acme.",
            "arr: “-5” is not an amount; write it like 120000.50.",
        ],
        5: ["domain: Also on line 2 of this file."],
        6: [],
    }


def test_account_import_through_the_admin(admin_client_logged_in: Any, acme: Account) -> None:
    _upload(admin_client_logged_in, ACCOUNT_IMPORT, ACCOUNTS_FILE)
    assert Account.objects.count() == 1  # the preview wrote nothing
    digest = admin_client_logged_in.get(ACCOUNT_PREVIEW).context["form"].initial["digest"]

    response = admin_client_logged_in.post(ACCOUNT_PREVIEW, {"digest": digest})

    assert "2 imported, 3 skipped." in [str(m) for m in get_messages(response.wsgi_request)]
    initech = Account.objects.get(domain="initech.example")
    assert (initech.plan, str(initech.arr), initech.crm_id) == ("enterprise", "120000.50", "hs-1")
    assert Account.objects.get(name="Vandelay").plan == "starter"


def test_an_exported_champions_file_imports_again(
    admin_client_logged_in: Any, acme: Account
) -> None:
    ChampionFactory(
        account=acme, email="round@acme.example", full_name="Rita Round", languages=["en"]
    )
    exported = admin_client_logged_in.post(
        reverse("admin:champions_champion_changelist"),
        {"action": "export_csv", "_selected_action": [Champion.objects.get().pk]},
    )
    content = b"".join(exported.streaming_content).decode("utf-8-sig")
    Champion.objects.update(state=ChampionState.ALUMNI)

    preview = imports.champions_preview(content=content)

    assert preview.ignored_columns == ("account_name", "state", "joined_at", "crm_id")
    assert [row.errors for row in preview.rows] == [()]
