"""The case data pages and the import_case_data command."""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from qaf.accounts.models import Role
from qaf.cases.importers.writers import annex_a_workbook
from qaf.cases.models import CaseImport, Child, ImportStatus

ROW = {"Child Unique ID": "P1", "Gender": "a) Male", "Date of referral": "02/01/2025"}


@pytest.mark.django_db(transaction=True)
def test_upload_runs_in_the_background_and_shows_a_summary(council, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.QA_OFFICER)
    form = BeautifulSoup(client.get("/case-data/new/").content, "html.parser")
    assert form.h1.text == "Import case data"
    assert form.find("label", string="Upload a file")
    upload = SimpleUploadedFile("annex.xlsx", annex_a_workbook({3: [ROW]}))
    response = client.post("/case-data/new/", {"file": upload, "format": "annex-a"})
    record = CaseImport.objects.get()
    assert response.url == f"/case-data/{record.pk}/"
    assert record.status == ImportStatus.SUCCEEDED
    page = BeautifulSoup(client.get(response.url).content, "html.parser")
    assert page.find("h2", string="Imported")
    assert page.find("dt", string="Children added").find_next("dd").text == "1"
    assert Child.objects.filter(council_child_id="P1").exists()
    history = BeautifulSoup(client.get("/case-data/").content, "html.parser")
    assert history.find("a", string="annex.xlsx")


@pytest.mark.django_db(transaction=True)
def test_refused_upload_links_an_error_report(council, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.QA_OFFICER)
    bad = annex_a_workbook({3: [{**ROW, "Date of referral": "+44 7700 900000"}]})
    client.post("/case-data/new/", {"file": SimpleUploadedFile("b.xlsx", bad), "format": "annex-a"})
    record = CaseImport.objects.get()
    page = BeautifulSoup(client.get(f"/case-data/{record.pk}/").content, "html.parser")
    assert page.find("h2", string="The file was refused: nothing was imported")
    report = client.get(f"/case-data/{record.pk}/errors.csv").content.decode()
    assert report.splitlines()[0] == "sheet,row,column,value,expected,message"
    assert ",'+44 7700 900000," in report  # formula-escaped


@pytest.mark.django_db
def test_form_errors_and_access(council, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(Role.QA_OFFICER).post("/case-data/new/", {})
    soup = BeautifulSoup(page.content, "html.parser")
    links = [a.text for a in soup.select(".govuk-error-summary__list a")]
    assert links == ["Select the file to import", "Select what is in the file"]
    for role in (Role.PRACTITIONER, Role.DIRECTOR, Role.ELECTED_MEMBER):
        assert client_for(role).get("/case-data/").status_code == 404


@pytest.mark.django_db
def test_command_imports_and_refuses_with_the_same_messages(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "annex.xlsx"
    good.write_bytes(annex_a_workbook({3: [ROW]}))
    call_command("import_case_data", str(good), "--dry-run")
    assert "Checked (dry run, nothing written)" in capsys.readouterr().out
    assert not Child.objects.exists()
    call_command("import_case_data", str(good))
    assert Child.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(annex_a_workbook({3: [{**ROW, "Date of referral": "31/04/2025"}]}))
    with pytest.raises(CommandError, match="1 problem found, nothing was imported"):
        call_command("import_case_data", str(bad))
    assert "'31/04/2025' is not a real date" in capsys.readouterr().err
    wrong = tmp_path / "data.txt"
    wrong.write_text("x")
    with pytest.raises(CommandError, match="is not a file QAF can import"):
        call_command("import_case_data", str(wrong))
    with pytest.raises(CommandError, match="wrong extension"):
        call_command("import_case_data", str(good), "--format", "csv")
