"""The Audit tools pages and the form-filling pages, parsed with BeautifulSoup."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import sign_in
from qaf.accounts.models import Role
from qaf.tools import services
from qaf.tools.models import FormResponse, ToolVersion, VersionStatus

from .factories import SMALL_TOOL, library_version

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def error_summary(page):
    box = page.select_one(".govuk-error-summary")
    return [(a.get_text(" ", strip=True), a["href"]) for a in box.select("a")] if box else []


@pytest.fixture
def qa(council):
    return council.users[Role.QA_OFFICER]


@pytest.fixture
def qa_client(client_for):
    return client_for(Role.QA_OFFICER)


@pytest.fixture
def small(qa):
    return services.tool_version_publish(
        version=services.tool_version_import(yaml_text=SMALL_TOOL, by=qa), by=qa
    )


def upload(client, text, name="tool.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/tools/upload/", {"file": SimpleUploadedFile(name, data)})


# ---- Audit tools ----------------------------------------------------------------------------


def test_tool_list_shows_every_tool_with_version_tags(qa_client, small):
    library_version()
    page = soup(qa_client.get("/tools/"))
    assert page.h1.get_text(strip=True) == "Audit tools"
    rows = {r.th.get_text(" ", strip=True): r for r in page.select("tbody tr")}
    assert any(k.startswith("Children's services case audit") for k in rows)
    small_row = next(r for k, r in rows.items() if k.startswith("Small tool"))
    assert small_row.select_one(".govuk-tag").get_text(strip=True) == "Published"
    nav = [a.get_text(strip=True) for a in page.select(".govuk-service-navigation__link")]
    assert "Audit tools" in nav


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.DIRECTOR, Role.CP_CHAIR])
def test_tool_pages_are_qa_only(client_for, small, role):
    client = client_for(role)
    assert client.get("/tools/").status_code == 404
    assert client.get("/tools/small-tool/v1/").status_code == 404
    assert client.post("/tools/small-tool/v1/retire/").status_code == 404
    nav = [a.get_text(strip=True) for a in soup(client.get("/")).select("nav a")]
    assert "Audit tools" not in nav


def test_invalid_yaml_upload_lists_line_and_field_and_creates_nothing(qa_client):
    bad = SMALL_TOOL.replace("type: number", "type: slider")
    r = upload(qa_client, bad)
    page = soup(r)
    summary = error_summary(page)
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "slider" in text)
    assert any(
        f"Line {line}" in text and "sections[0].questions[7].type" in text for text, _ in summary
    ), summary
    assert page.title.get_text().startswith("Error:")
    assert ToolVersion.objects.count() == 0


def test_broken_yaml_syntax_is_reported_with_its_line(qa_client):
    r = upload(qa_client, "key: x\ntitle: [unclosed\n")
    summary = error_summary(soup(r))
    assert any(re.search(r"Line \d", text) for text, _ in summary), summary
    assert ToolVersion.objects.count() == 0


def test_five_megabyte_upload_is_refused(qa_client):
    r = upload(qa_client, b"a: " + b"x" * (5 * 1024 * 1024))
    summary = error_summary(soup(r))
    assert any("1 MB or smaller" in text for text, _ in summary), summary
    assert ToolVersion.objects.count() == 0


def test_upload_without_a_file(qa_client):
    summary = error_summary(soup(qa_client.post("/tools/upload/", {})))
    assert summary == [("Select a YAML file to upload", "#id_file")]


def test_upload_then_preview_compare_publish_retire(qa_client, small):
    v2 = SMALL_TOOL.replace("version: 1", "version: 2").replace(
        "      - key: name\n",
        "      - key: extra\n        label: A new question\n"
        "        type: short_text\n      - key: name\n",
    )
    r = upload(qa_client, v2)
    assert r.status_code == 302 and r["Location"] == "/tools/small-tool/v2/"
    page = soup(qa_client.get("/tools/small-tool/v2/"))
    assert "version 2" in page.h1.get_text()
    headings = [h.get_text(strip=True) for h in page.select("h3")]
    assert headings == ["First section"]
    legends = [lg.get_text(strip=True) for lg in page.select("legend")]
    assert "How well was it done?" in legends
    assert all(
        i.has_attr("disabled")
        for i in page.select("main form input[type=radio]")
        if i["name"] != "csrfmiddlewaretoken"
    )
    compare = soup(qa_client.get("/tools/small-tool/compare/?from=1&to=2"))
    cells = [
        [c.get_text(" ", strip=True) for c in tr.select("td")] for tr in compare.select("tbody tr")
    ]
    assert ["Added question", "extra", "\u2013", "A new question"] in cells
    bad = soup(qa_client.get("/tools/small-tool/compare/?from=9"))
    assert error_summary(bad) == [("There is no version “9” of this tool", "#from")]
    export = qa_client.get("/tools/small-tool/v2/export/")
    assert export["Content-Disposition"] == 'attachment; filename="small-tool.v2.yaml"'
    assert export.content.decode() == v2
    confirm = soup(qa_client.get("/tools/small-tool/v2/publish/"))
    assert confirm.h1.get_text(strip=True) == "Publish version 2?"
    assert ToolVersion.objects.get(version=2).status == VersionStatus.DRAFT
    qa_client.post("/tools/small-tool/v2/publish/")
    qa_client.post("/tools/small-tool/v1/retire/")
    statuses = dict(ToolVersion.objects.values_list("version", "status"))
    assert statuses == {1: VersionStatus.RETIRED, 2: VersionStatus.PUBLISHED}


def test_try_this_tool_starts_a_practice_form(qa_client, qa, small):
    r = qa_client.post("/tools/small-tool/v1/try/")
    response = FormResponse.objects.get()
    assert r["Location"] == f"/forms/{response.pk}/"
    assert response.author == qa and response.purpose == "practice"
    page = soup(qa_client.get(r["Location"]))
    tasks = [
        (
            li.select_one(".govuk-task-list__name-and-hint").get_text(strip=True),
            li.select_one(".govuk-task-list__status").get_text(strip=True),
        )
        for li in page.select(".govuk-task-list__item")
    ]
    assert tasks == [("First section", "Not started")]
    assert qa_client.get("/tools/small-tool/v1/try/").status_code == 405


# ---- Rendering every question type ------------------------------------------------------------


def start(qa, small, **kwargs):
    return services.form_response_start(tool_version=small, author=qa, **kwargs)


def test_every_question_type_renders_with_label_hint_and_fieldset(qa_client, qa, small):
    r = start(qa, small)
    page = soup(qa_client.get(f"/forms/{r.pk}/sections/first/"))
    assert page.h1.get_text(strip=True) == "First section"
    legends = {lg.get_text(strip=True): lg.find_parent("fieldset") for lg in page.select("legend")}
    # choice-like and date questions are fieldsets with legends
    for label in (
        "How well was it done?",
        "Which grade fits?",
        "Was the child seen?",
        "Which colour?",
        "Which tags apply? (optional)",
        "When was the last visit?",
    ):
        assert label in legends, legends.keys()
    scale = legends["How well was it done?"]
    assert [lb.get_text(strip=True) for lb in scale.select("label")] == [
        "1 \u2013 Poorly",
        "2 \u2013 Well",
        "3 \u2013 Very well",
    ]
    assert scale.select_one(".govuk-hint").get_text(strip=True) == "Choose a point on the scale."
    assert scale["aria-describedby"] == "id_score-hint"
    grade = [lb.get_text(strip=True) for lb in legends["Which grade fits?"].select("label")]
    assert grade == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    yes_no = [lb.get_text(strip=True) for lb in legends["Was the child seen?"].select("label")]
    assert yes_no == ["Yes", "No", "Not applicable"]
    assert len(legends["Which tags apply? (optional)"].select("input[type=checkbox]")) == 2
    date = legends["When was the last visit?"]
    assert [lb.get_text(strip=True) for lb in date.select("label")] == ["Day", "Month", "Year"]
    assert date.select_one("#id_visit_date_0")["name"] == "visit_date_day"
    labels = {lb.get_text(strip=True): lb["for"] for lb in page.select("label.govuk-label--s")}
    assert page.select_one("#" + labels["How many visits?"])["inputmode"] == "decimal"
    assert page.select_one("#" + labels["Short note (optional)"]).name == "input"
    assert page.select_one("#" + labels["What the child said"]).name == "textarea"
    why = page.select_one("#id_why_not-hint").get_text(strip=True)
    assert why == "Answer this only if your answer to “Was the child seen?” was “No”."
    fact = page.select_one("#fact-seen").get_text(" ", strip=True)
    assert fact.startswith("Allocated worker")
    assert [b.get_text(strip=True) for b in page.select("main form button")] == [
        "Save and continue",
        "Save as draft",
    ]


def test_case_fact_shows_the_childs_fact(qa_client, qa, small, council):
    r = start(qa, small, child=council.own_child)
    fact = soup(qa_client.get(f"/forms/{r.pk}/sections/first/")).select_one("#fact-seen")
    worker = council.users[Role.PRACTITIONER].staff
    assert fact.get_text(" ", strip=True) == (
        f"Allocated worker: {worker.given_name} {worker.family_name}"
    )


def test_single_choice_with_many_options_is_a_select(qa_client, qa):
    many = "\n".join(f"          - {{value: o{i}, label: Option {i}}}" for i in range(12))
    text = SMALL_TOOL.replace(
        "          - {value: red, label: Red}\n          - {value: blue, label: Blue}", many
    )
    tv = services.tool_version_import(yaml_text=text, by=qa)
    r = start(qa, tv)
    page = soup(qa_client.get(f"/forms/{r.pk}/sections/first/"))
    assert page.select_one("select#id_colour") is not None
    assert page.select_one("label[for=id_colour]").get_text(strip=True) == "Which colour?"


def test_errors_show_in_summary_and_keep_what_was_typed(qa_client, qa, small):
    r = start(qa, small)
    page = soup(
        qa_client.post(
            f"/forms/{r.pk}/sections/first/",
            {
                "row_version": "1",
                "action": "continue",
                "count": "lots",
                "visit_date_day": "31",
                "visit_date_month": "2",
                "visit_date_year": "2025",
                "words": "  Keep me  ",
            },
        )
    )
    summary = dict(error_summary(page))
    assert summary["“How many visits?” must be a number"] == "#id_count"
    assert summary["“When was the last visit?” must be a real date"] == "#id_visit_date_0"
    assert summary["Select an answer for “How well was it done?”"] == "#id_score_0"
    assert summary["Choose a grade for “First section”"] == "#id_qaf_section_grade_0"
    count_group = page.select_one("#id_count").find_parent(class_="govuk-form-group")
    assert "govuk-form-group--error" in count_group["class"]
    assert count_group.select_one(".govuk-error-message").get_text(" ", strip=True) == (
        "Error: “How many visits?” must be a number"
    )
    assert page.select_one("#id_count")["value"] == "lots"
    assert page.select_one("#id_visit_date_0")["value"] == "31"
    assert page.select_one("#id_words").get_text() == "  Keep me  "
    saved = FormResponse.objects.get(pk=r.pk)
    assert saved.answers == {"words": "  Keep me  "}  # the valid answer is saved verbatim


def test_save_and_continue_completes_the_section(qa_client, qa, small):
    r = start(qa, small)
    resp = qa_client.post(
        f"/forms/{r.pk}/sections/first/",
        {
            "row_version": "1",
            "action": "continue",
            "score": "3",
            "grade_q": "good",
            "seen": "yes",
            "colour": "red",
            "visit_date_day": "27",
            "visit_date_month": "3",
            "visit_date_year": "2025",
            "count": "4",
            "words": "It was OK",
            "qaf_section_grade": "outstanding",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == f"/forms/{r.pk}/"
    saved = FormResponse.objects.get(pk=r.pk)
    assert saved.section_status == {"first": "completed"}
    assert saved.answers["visit_date"] == "2025-03-27" and saved.answers["score"] == 3
    status = soup(qa_client.get(f"/forms/{r.pk}/")).select_one(".govuk-task-list__status")
    assert status.get_text(strip=True) == "Completed"


def test_autosave_and_resume_on_a_new_session(council, qa, small):
    r = start(qa, small)
    first = sign_in(Client(), qa)
    answer = first.post(
        f"/forms/{r.pk}/sections/first/autosave/",
        {
            "row_version": "1",
            "words": "Saved by autosave\n",
            "score": "2",
            "count": "x",
        },
    )
    text = soup(answer).get_text(" ", strip=True)
    assert text.startswith("Saved at") and "must be a number" in text
    assert soup(answer).select_one("input[name=row_version]")["value"] == "2"
    second = sign_in(Client(), qa)  # another device
    page = soup(second.get(f"/forms/{r.pk}/sections/first/"))
    assert page.select_one("#id_words").get_text() == "Saved by autosave\n"
    assert page.select_one("#id_score_1").has_attr("checked")
    assert page.select_one("#id_row_version")["value"] == "2"
    tasks = soup(second.get(f"/forms/{r.pk}/")).select_one(".govuk-task-list__status")
    assert tasks.get_text(strip=True) == "In progress"


def test_conflict_keeps_both_texts(qa_client, qa, small):
    r = start(qa, small)
    qa_client.post(
        f"/forms/{r.pk}/sections/first/autosave/", {"row_version": "1", "words": "From the laptop"}
    )
    resp = qa_client.post(
        f"/forms/{r.pk}/sections/first/",
        {
            "row_version": "1",
            "action": "draft",
            "words": "From the tablet",
        },
    )
    assert resp.status_code == 409
    page = soup(resp)
    assert page.select_one("#conflict-title") is not None
    assert page.select_one(".qaf-conflict-mine").get_text(strip=True) == "From the tablet"
    assert page.select_one(".qaf-conflict-theirs").get_text(strip=True) == "From the laptop"
    assert page.select_one("#id_words").get_text() == "From the tablet"
    assert page.select_one("#id_row_version")["value"] == "2"
    assert FormResponse.objects.get(pk=r.pk).answers["words"] == "From the laptop"
    again = qa_client.post(
        f"/forms/{r.pk}/sections/first/",
        {
            "row_version": "2",
            "action": "draft",
            "words": "From the tablet",
        },
    )
    assert again.status_code == 302
    assert FormResponse.objects.get(pk=r.pk).answers["words"] == "From the tablet"


def submit_all(client, r):
    client.post(
        f"/forms/{r.pk}/sections/first/",
        {
            "row_version": str(FormResponse.objects.get(pk=r.pk).row_version),
            "action": "continue",
            "score": "1",
            "grade_q": "good",
            "seen": "yes",
            "colour": "red",
            "visit_date_day": "1",
            "visit_date_month": "2",
            "visit_date_year": "2024",
            "count": "1",
            "words": "  Exactly “this”  ",
            "qaf_section_grade": "inadequate",
        },
    )
    return client.post(f"/forms/{r.pk}/check/", {"overall_grade": "inadequate"})


def test_check_answers_lists_missing_with_links(qa_client, qa, small):
    r = start(qa, small)
    page = soup(qa_client.post(f"/forms/{r.pk}/check/", {"overall_grade": ""}))
    summary = dict(error_summary(page))
    assert summary["Select an answer for “How well was it done?”"] == (
        f"/forms/{r.pk}/sections/first/#id_score"
    )
    assert summary["Choose an overall grade"] == "#id_overall_grade_0"
    assert not FormResponse.objects.get(pk=r.pk).is_submitted


def test_submitted_response_cannot_change_through_any_page(qa_client, qa, small, council):
    r = start(qa, small)
    resp = submit_all(qa_client, r)
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.is_submitted
    before = (r.answers, r.row_version)
    section = qa_client.post(
        f"/forms/{r.pk}/sections/first/",
        {
            "row_version": str(r.row_version),
            "action": "draft",
            "words": "Changed",
        },
    )
    assert section.status_code == 404
    assert qa_client.get(f"/forms/{r.pk}/sections/first/").status_code == 404
    auto = qa_client.post(
        f"/forms/{r.pk}/sections/first/autosave/",
        {
            "row_version": str(r.row_version),
            "words": "Changed",
        },
    )
    assert auto.status_code == 404
    assert qa_client.post(f"/forms/{r.pk}/check/", {"overall_grade": "good"}).status_code == 404
    r.refresh_from_db()
    assert (r.answers, r.row_version) == before
    page = soup(qa_client.get(f"/forms/{r.pk}/"))
    quote = page.select_one("blockquote.qaf-quote")
    assert quote.get_text() == "“  Exactly “this”  ”"
    assert "Submitted" in page.get_text()


def test_other_people_cannot_open_someone_elses_form(client_for, qa, small):
    r = start(qa, small)
    for role in (Role.PRACTITIONER, Role.DIRECTOR):
        client = client_for(role)
        assert client.get(f"/forms/{r.pk}/").status_code == 404
        assert client.get(f"/forms/{r.pk}/sections/first/").status_code == 404
        assert (
            client.post(f"/forms/{r.pk}/sections/first/autosave/", {"row_version": "1"}).status_code
            == 404
        )


def test_unknown_section_is_not_found(qa_client, qa, small):
    r = start(qa, small)
    assert qa_client.get(f"/forms/{r.pk}/sections/nope/").status_code == 404


def test_conditional_question_is_wrapped_hidden_until_its_condition_is_met(qa_client, qa, small):
    """Hidden with the Design System's conditional-reveal class (effective only when JavaScript
    runs: without it the question stays, with its hint); the page posts the state it shows."""
    r = start(qa, small)
    page = soup(qa_client.get(f"/forms/{r.pk}/sections/first/"))
    wrapper = page.select_one("#qaf-q-why_not")
    assert "govuk-radios__conditional--hidden" in wrapper["class"]
    assert wrapper.select_one("textarea#id_why_not") is not None
    assert wrapper.select_one("input[name=qaf_hidden_why_not]")["value"] == "1"
    assert page.select_one("#qaf-q-score") is None  # unconditional questions are not wrapped
    services.form_response_save_section(
        response=r, section_key="first", data={"seen": "no"}, by=qa, expected_version=1
    )
    page = soup(qa_client.get(f"/forms/{r.pk}/sections/first/"))
    wrapper = page.select_one("#qaf-q-why_not")
    assert "govuk-radios__conditional--hidden" not in wrapper["class"]
    assert wrapper.select_one("input[name=qaf_hidden_why_not]")["value"] == "0"


def test_version_preview_shows_conditional_questions(qa_client, small):
    page = soup(qa_client.get("/tools/small-tool/v1/"))
    # Every section is previewed on one page: each section's fields carry its key in their ids.
    assert page.select_one("#id_first_why_not") is not None
    assert page.select(".govuk-radios__conditional--hidden") == []


def test_autosave_reveals_and_hides_conditional_questions_out_of_band(qa_client, qa, small):
    r = start(qa, small)
    url = f"/forms/{r.pk}/sections/first/autosave/"
    answer = qa_client.post(url, {"row_version": "1", "seen": "no", "qaf_hidden_why_not": "1"})
    swapped = soup(answer).select_one("#qaf-q-why_not")
    assert swapped["hx-swap-oob"] == "true"
    assert "govuk-radios__conditional--hidden" not in swapped["class"]
    assert (
        swapped.select_one("label[for=id_why_not]")
        .get_text(strip=True)
        .startswith("Why was the child not seen?")
    )
    # Nothing changed (the page already shows it): no swap.
    again = qa_client.post(url, {"row_version": "2", "seen": "no", "qaf_hidden_why_not": "0"})
    assert soup(again).select_one("#qaf-q-why_not") is None
    # Answering "Yes" hides it again, keeping what was typed in it.
    typed = {"row_version": "3", "seen": "yes", "qaf_hidden_why_not": "0", "why_not": "Kept"}
    hidden = soup(qa_client.post(url, typed)).select_one("#qaf-q-why_not")
    assert "govuk-radios__conditional--hidden" in hidden["class"]
    assert hidden.select_one("textarea").get_text() == "Kept"
    assert FormResponse.objects.get(pk=r.pk).answers["seen"] == "yes"


# ---- the access log ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "via"),
    [
        ("/forms/{pk}/", "page"),
        ("/forms/{pk}/check/", "page"),
        ("/forms/{pk}/sections/first/", "page"),
        ("/api/v1/tools/responses/{pk}", "api"),
    ],
)
def test_every_read_of_a_form_is_logged_refused_or_allowed(client_for, council, small, url, via):
    from qaf.access_log.models import AccessLogEntry, AccessOutcome

    theirs = start(council.users[Role.DIRECTOR], small)
    mine = start(council.users[Role.PRACTITIONER], small)
    client = client_for(Role.PRACTITIONER)
    assert client.get(url.format(pk=theirs.pk)).status_code == 404
    assert client.get(url.format(pk=mine.pk)).status_code == 200
    rows = AccessLogEntry.objects.filter(object_type="form_response").order_by("pk")
    assert [(r.object_id, r.outcome, r.via, r.username) for r in rows] == [
        (str(theirs.pk), AccessOutcome.NOT_FOUND, via, council.users[Role.PRACTITIONER].username),
        (str(mine.pk), AccessOutcome.ALLOWED, via, council.users[Role.PRACTITIONER].username),
    ]
