"""Each GOV.UK component in templates/components/ renders the Design System's markup: the
classes, labels tied to inputs, hints and errors tied with aria-describedby, fieldsets with
legends for groups, and every value escaped."""

import datetime as dt
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.template.loader import render_to_string

XSS = "<script>alert(1)</script>"


def render(template: str, **context: Any) -> BeautifulSoup:
    return BeautifulSoup(render_to_string(f"components/{template}", context), "html.parser")


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"expected one {selector!r}, found {len(found)}"
    return found[0]


def classes(tag: Tag) -> list[str]:
    return list(tag.get("class") or [])


def assert_escaped(html: str) -> None:
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Summary list, table, tag -------------------------------------------------------------------


def test_summary_list_rows_and_not_recorded() -> None:
    soup = render("summary_list.html", rows=[("Name", "Ada"), ("Ethnicity", ""), ("Notes", None)])
    dl = one(soup, "dl")
    assert classes(dl) == ["govuk-summary-list"]
    rows = dl.select("div.govuk-summary-list__row")
    assert [r.select_one("dt.govuk-summary-list__key").get_text() for r in rows] == [
        "Name",
        "Ethnicity",
        "Notes",
    ]
    values = [r.select_one("dd.govuk-summary-list__value").get_text() for r in rows]
    assert values == ["Ada", "Not recorded", "Not recorded"]


def test_summary_list_without_borders_and_escaped() -> None:
    html = render_to_string(
        "components/summary_list.html", {"rows": [(XSS, XSS)], "no_border": True}
    )
    soup = BeautifulSoup(html, "html.parser")
    assert "govuk-summary-list--no-border" in classes(one(soup, "dl"))
    assert_escaped(html)
    assert one(soup, "dd").get_text() == XSS  # shown as text, not run


def test_table_headers_rows_links_and_numeric_columns() -> None:
    soup = render(
        "table.html",
        caption="Teams",
        head=["Team", "Open cases"],
        rows=[[{"text": "Ashby 1", "href": "/organisation/teams/1/"}, 12], ["Ashby 2", 0]],
        numeric_columns=[1],
    )
    table = one(soup, "table.govuk-table")
    assert one(table, "caption.govuk-table__caption").get_text() == "Teams"
    head = table.select("thead th")
    assert [th.get_text() for th in head] == ["Team", "Open cases"]
    assert all(th["scope"] == "col" for th in head)
    assert "govuk-table__header--numeric" in classes(head[1])
    body_rows = table.select("tbody tr.govuk-table__row")
    assert len(body_rows) == 2
    first = body_rows[0]
    row_header = one(first, "th")
    assert row_header["scope"] == "row"
    link = one(row_header, "a.govuk-link")
    assert (link["href"], link.get_text()) == ("/organisation/teams/1/", "Ashby 1")
    cell = one(first, "td")
    assert cell.get_text() == "12"
    assert "govuk-table__cell--numeric" in classes(cell)
    assert one(body_rows[1], "td").get_text() == "0"


def test_table_empty_text_spans_every_column() -> None:
    soup = render("table.html", head=["A", "B", "C"], rows=[], empty_text="No teams yet.")
    cell = one(soup, "tbody td")
    assert (cell.get_text(), cell["colspan"]) == ("No teams yet.", "3")
    assert soup.select("caption") == []


def test_table_escapes_cells_and_links() -> None:
    html = render_to_string(
        "components/table.html",
        {"head": [XSS], "rows": [[{"text": XSS, "href": '/x" onclick="alert(1)'}]]},
    )
    assert_escaped(html)
    link = one(BeautifulSoup(html, "html.parser"), "a")
    assert link["href"] == '/x" onclick="alert(1)'
    assert not link.has_attr("onclick")


@pytest.mark.parametrize("colour", ["grey", "green", "red", "yellow"])
def test_tag_colours(colour: str) -> None:
    tag = one(render("tag.html", text="On register", colour=colour), "strong")
    assert classes(tag) == ["govuk-tag", f"govuk-tag--{colour}"]
    assert tag.get_text() == "On register"


def test_tag_without_colour_and_escaped() -> None:
    html = render_to_string("components/tag.html", {"text": XSS})
    assert classes(one(BeautifulSoup(html, "html.parser"), "strong")) == ["govuk-tag"]
    assert_escaped(html)


# Error summary, pagination, notification banner --------------------------------------------


class KindForm(forms.Form):
    name = forms.CharField(label="Name", error_messages={"required": "Enter a name"})
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("a", "A"), ("b", "B")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a kind"},
    )

    def clean(self) -> dict[str, Any]:
        raise forms.ValidationError("Something is wrong with the form as a whole")


def test_error_summary_links_each_error_to_its_field() -> None:
    form = KindForm(data={})
    assert not form.is_valid()
    soup = render("error_summary.html", form=form)
    summary = one(soup, "div.govuk-error-summary")
    assert one(summary, "[role=alert] h2.govuk-error-summary__title").get_text() == (
        "There is a problem"
    )
    links = [(a["href"], a.get_text()) for a in summary.select("ul.govuk-error-summary__list a")]
    assert links == [
        ("#form-errors", "Something is wrong with the form as a whole"),
        ("#id_name", "Enter a name"),
        ("#id_kind_0", "Choose a kind"),  # the first radio, which the link focuses
    ]
    # Every link target exists in the form as rendered.
    form_soup = BeautifulSoup(str(form), "html.parser")
    for href, _ in links:
        assert form_soup.select_one(href) is not None, href


def test_error_summary_is_absent_for_a_valid_or_unbound_form() -> None:
    assert render("error_summary.html", form=KindForm()).select("div") == []


def test_error_summary_escapes_messages() -> None:
    form = KindForm(data={"kind": "a", "name": "x"})
    form.is_valid()
    form.add_error("name", XSS)
    assert_escaped(render_to_string("components/error_summary.html", {"form": form}))


def test_pagination_middle_page_keeps_the_query() -> None:
    page = Paginator(list(range(100)), 10).page(2)
    soup = render("pagination.html", page_obj=page, query="q=ash&team=1")
    nav = one(soup, "nav.govuk-pagination")
    assert nav["aria-label"] == "Pagination"
    prev = one(nav, ".govuk-pagination__prev a")
    nxt = one(nav, ".govuk-pagination__next a")
    assert (prev["href"], prev["rel"]) == ("?q=ash&team=1&page=1", ["prev"])
    assert (nxt["href"], nxt["rel"]) == ("?q=ash&team=1&page=3", ["next"])
    assert " ".join(prev.get_text().split()) == "Previous page"  # "page" is visually hidden
    current = one(nav, ".govuk-pagination__item--current a")
    assert current["aria-current"] == "page"
    assert current["aria-label"] == "Page 2 of 10"


def test_pagination_first_and_last_pages_and_single_page() -> None:
    paginator = Paginator(list(range(30)), 10)
    first = render("pagination.html", page_obj=paginator.page(1))
    assert first.select(".govuk-pagination__prev") == []
    assert one(first, ".govuk-pagination__next a")["href"] == "?page=2"
    last = render("pagination.html", page_obj=paginator.page(3))
    assert last.select(".govuk-pagination__next") == []
    only = render("pagination.html", page_obj=Paginator([1, 2], 10).page(1))
    assert only.select("nav") == []


def test_notification_banners_for_success_and_other_messages() -> None:
    soup = render(
        "notification_banner.html",
        messages=[Message(messages.SUCCESS, "Token revoked"), Message(messages.INFO, XSS)],
    )
    success, info = soup.select("div.govuk-notification-banner")
    assert "govuk-notification-banner--success" in classes(success)
    assert success["role"] == "alert"
    title = one(success, "h2.govuk-notification-banner__title")
    assert (title.get_text(), title["id"]) == ("Success", success["aria-labelledby"])
    assert one(success, ".govuk-notification-banner__heading").get_text() == "Token revoked"
    assert "govuk-notification-banner--success" not in classes(info)
    assert info["role"] == "region"
    assert one(info, "h2").get_text() == "Important"
    assert one(info, "h2")["id"] == info["aria-labelledby"] != success["aria-labelledby"]
    assert_escaped(str(soup))


def test_no_banner_without_messages() -> None:
    assert render("notification_banner.html", messages=[]).select("div") == []


# Form fields: the project renderer ----------------------------------------------------------


class EveryWidgetForm(forms.Form):
    title = forms.CharField(label="Title", help_text="As it appears on the plan", max_length=50)
    email = forms.EmailField(label="Email address")
    visits = forms.IntegerField(label="Number of visits")
    secret = forms.CharField(label="Password", widget=forms.PasswordInput)
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}))
    team = forms.ChoiceField(label="Team", choices=[("", "Choose a team"), ("1", "Ashby 1")])
    grade = forms.ChoiceField(
        label="Grade",
        help_text="The overall grade",
        choices=[("good", "Good"), ("inadequate", "Inadequate")],
        widget=forms.RadioSelect,
    )
    themes = forms.MultipleChoiceField(
        label="Themes",
        choices=[("voice", "Voice of the child"), ("risk", "Risk")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="I have read the guidance", help_text="It is short")
    evidence = forms.FileField(label="Evidence")
    seen_on = forms.DateField(label="Date seen", help_text="For example, 27/3/2026")


WIDGET_CASES = [
    # field name, widget_type, the element the label points at
    ("title", "text", "input"),
    ("email", "email", "input"),
    ("visits", "number", "input"),
    ("secret", "password", "input"),
    ("notes", "textarea", "textarea"),
    ("team", "select", "select"),
    ("agree", "checkbox", "input"),
    ("evidence", "clearablefile", "input"),
    ("seen_on", "date", "input"),
]


def field_soup(form: forms.Form, name: str) -> Tag:
    soup = BeautifulSoup(form[name].as_field_group(), "html.parser")
    return one(soup, "div.govuk-form-group")


def describedby(tag: Tag) -> list[str]:
    return str(tag.get("aria-describedby", "")).split()


@pytest.mark.parametrize(("name", "widget_type", "element"), WIDGET_CASES)
def test_single_input_fields_have_a_label_tied_to_the_input(
    name: str, widget_type: str, element: str
) -> None:
    form = EveryWidgetForm()
    assert form[name].widget_type == widget_type
    group = field_soup(form, name)
    assert "govuk-form-group--error" not in classes(group)
    label = one(group, "label.govuk-label")
    control = one(group, f"{element}#id_{name}")
    assert label["for"] == control["id"]
    assert label.get_text() == form[name].label
    assert control["name"] == name
    assert group.select(".govuk-error-message") == []
    assert group.select("fieldset") == []


@pytest.mark.parametrize(
    ("name", "css_class", "input_type"),
    [
        ("title", "govuk-input", "text"),
        ("email", "govuk-input", "email"),
        ("visits", "govuk-input", "number"),
        ("secret", "govuk-input", "password"),
        ("notes", "govuk-textarea", None),
        ("team", "govuk-select", None),
        ("agree", "govuk-checkboxes__input", "checkbox"),
        ("evidence", "govuk-file-upload", "file"),
        ("seen_on", "govuk-input", "text"),
    ],
)
def test_each_widget_has_its_govuk_class_and_type(
    name: str, css_class: str, input_type: str | None
) -> None:
    control = field_soup(EveryWidgetForm(), name).select_one(f"#id_{name}")
    assert control is not None
    assert css_class in classes(control)
    assert control.get("type") == input_type


def test_hint_is_tied_with_aria_describedby() -> None:
    group = field_soup(EveryWidgetForm(), "title")
    hint = one(group, "div.govuk-hint")
    assert (hint["id"], hint.get_text()) == ("id_title-hint", "As it appears on the plan")
    assert describedby(one(group, "input")) == ["id_title-hint"]
    assert not one(field_soup(EveryWidgetForm(), "email"), "input").has_attr("aria-describedby")


INVALID = {
    "title": "",
    "email": "not-an-email",
    "visits": "many",
    "secret": "",
    "notes": "",
    "team": "",
    "grade": "",
    "agree": "",
    "seen_on": "31/2/2026",
}


@pytest.mark.parametrize("name", list(INVALID))
def test_errors_mark_the_group_and_are_described(name: str) -> None:
    form = EveryWidgetForm(data=INVALID)
    assert not form.is_valid()
    group = field_soup(form, name)
    assert "govuk-form-group--error" in classes(group)
    error = one(group, "p.govuk-error-message")
    assert error["id"] == f"id_{name}-error"
    assert error.get_text(" ", strip=True) == f"Error: {form.errors[name][0]}"
    assert one(error, "span.govuk-visually-hidden").get_text() == "Error:"
    described = one(group, "fieldset") if name == "grade" else one(group, f"#id_{name}")
    assert f"id_{name}-error" in describedby(described)
    if form[name].help_text:
        assert describedby(described) == [f"id_{name}-hint", f"id_{name}-error"]
    else:
        assert describedby(described) == [f"id_{name}-error"]


@pytest.mark.parametrize(
    ("name", "modifier"),
    [
        ("title", "govuk-input--error"),
        ("notes", "govuk-textarea--error"),
        ("team", "govuk-select--error"),
        ("seen_on", "govuk-input--error"),
    ],
)
def test_errors_add_the_input_error_modifier(name: str, modifier: str) -> None:
    form = EveryWidgetForm(data=INVALID)
    form.is_valid()
    assert modifier in classes(one(field_soup(form, name), f"#id_{name}"))


def test_file_upload_error_modifier() -> None:
    form = EveryWidgetForm(data=INVALID, files={})
    form.is_valid()
    control = one(field_soup(form, "evidence"), "#id_evidence")
    assert "govuk-file-upload--error" in classes(control)
    assert describedby(control) == ["id_evidence-error"]


@pytest.mark.parametrize(
    ("name", "kind", "item_class"),
    [("grade", "radios", "govuk-radios__item"), ("themes", "checkboxes", "govuk-checkboxes__item")],
)
def test_radios_and_checkboxes_are_a_fieldset_with_a_legend(
    name: str, kind: str, item_class: str
) -> None:
    form = EveryWidgetForm(initial={"grade": "good", "themes": ["risk"]})
    group = field_soup(form, name)
    fieldset = one(group, "fieldset.govuk-fieldset")
    legend = one(fieldset, "legend.govuk-fieldset__legend")
    assert legend.get_text() == form[name].label
    assert legend is fieldset.find(True)  # the legend is the fieldset's first child
    one(fieldset, f"div.govuk-{kind}")
    items = fieldset.select(f"div.{item_class}")
    assert len(items) == 2
    for index, item in enumerate(items):
        control = one(item, f"input.govuk-{kind}__input")
        label = one(item, f"label.govuk-{kind}__label")
        assert control["id"] == f"id_{name}_{index}" == label["for"]
        assert control["name"] == name
    checked = [i.select_one("input")["value"] for i in items if i.select_one("input[checked]")]
    assert checked == (["good"] if name == "grade" else ["risk"])
    assert [one(i, "label").get_text() for i in items] == [c[1] for c in form[name].field.choices]


def test_radio_hint_describes_the_fieldset() -> None:
    group = field_soup(EveryWidgetForm(), "grade")
    assert describedby(one(group, "fieldset")) == ["id_grade-hint"]
    assert one(group, "#id_grade-hint").get_text() == "The overall grade"


def test_single_checkbox_hint_checked_state() -> None:
    group = field_soup(EveryWidgetForm(initial={"agree": True}), "agree")
    control = one(group, "input.govuk-checkboxes__input")
    assert control.has_attr("checked")
    assert describedby(control) == ["id_agree-hint"]
    assert one(group, ".govuk-checkboxes__hint")["id"] == "id_agree-hint"
    assert not one(field_soup(EveryWidgetForm(), "agree"), "input").has_attr("checked")


def test_select_marks_the_chosen_option() -> None:
    group = field_soup(EveryWidgetForm(initial={"team": "1"}), "team")
    options = [(o["value"], o.get_text(), o.has_attr("selected")) for o in group.select("option")]
    assert options == [("", "Choose a team", False), ("1", "Ashby 1", True)]


def test_values_are_shown_back_except_the_password() -> None:
    data = {**INVALID, "title": "Plan review", "secret": "hunter2", "visits": "3"}
    form = EveryWidgetForm(data=data)
    form.is_valid()
    assert one(field_soup(form, "title"), "input")["value"] == "Plan review"
    assert one(field_soup(form, "visits"), "input")["value"] == "3"
    assert not one(field_soup(form, "secret"), "input").has_attr("value")
    assert one(field_soup(form, "seen_on"), "input")["value"] == "31/2/2026"  # as typed


def test_a_date_is_shown_in_the_format_people_type() -> None:
    form = EveryWidgetForm(initial={"seen_on": dt.date(2026, 3, 27)})
    assert one(field_soup(form, "seen_on"), "input")["value"] == "27/03/2026"
    # and what it shows is accepted back
    bound = EveryWidgetForm(data={"seen_on": "27/03/2026"})
    bound.is_valid()
    assert bound.cleaned_data["seen_on"] == dt.date(2026, 3, 27)


def test_empty_fields_have_no_value_attribute() -> None:
    assert not one(field_soup(EveryWidgetForm(), "title"), "input").has_attr("value")


def test_file_field_keeps_accept() -> None:
    class UploadForm(forms.Form):
        sheet = forms.FileField(widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}))

    form = UploadForm(files={"sheet": SimpleUploadedFile("a.csv", b"x")})
    control = one(field_soup(form, "sheet"), "input")
    assert (control["type"], control["accept"]) == ("file", ".csv,.xlsx")


@pytest.mark.parametrize("name", ["title", "notes", "team", "grade", "themes"])
def test_values_labels_and_choices_are_escaped(name: str) -> None:
    class NastyForm(forms.Form):
        title = forms.CharField(label=XSS, help_text=XSS)
        notes = forms.CharField(widget=forms.Textarea)
        team = forms.ChoiceField(choices=[(XSS, XSS)])
        grade = forms.ChoiceField(choices=[(XSS, XSS)], widget=forms.RadioSelect)
        themes = forms.MultipleChoiceField(
            choices=[(XSS, XSS)], widget=forms.CheckboxSelectMultiple
        )

    form = NastyForm(data={"title": XSS, "notes": XSS, "team": XSS, "grade": XSS, "themes": [XSS]})
    html = form[name].as_field_group()
    assert_escaped(html)
    group = BeautifulSoup(html, "html.parser")
    if name == "title":
        control = one(group, "input")
        assert control["value"] == XSS
        assert one(group, "label").get_text() == XSS
        assert one(group, ".govuk-hint").get_text() == XSS
    elif name == "notes":
        assert one(group, "textarea").get_text() == XSS
    elif name == "team":
        assert one(group, "option")["value"] == XSS
        assert one(group, "option").has_attr("selected")
    else:
        control = one(group, "input")
        assert control["value"] == XSS
        assert control.has_attr("checked")
    assert group.find("script") is None


def test_whole_form_renders_non_field_errors_then_fields_then_hidden_fields() -> None:
    class WithHidden(KindForm):
        token = forms.CharField(widget=forms.HiddenInput, required=False)

    form = WithHidden(data={"name": "Ada", "kind": "a", "token": XSS})
    assert not form.is_valid()
    html = str(form)
    soup = BeautifulSoup(html, "html.parser")
    errors = one(soup, "#form-errors")
    assert classes(errors) == ["govuk-form-group", "govuk-form-group--error"]
    assert one(errors, ".govuk-error-message").get_text(" ", strip=True) == (
        "Error: Something is wrong with the form as a whole"
    )
    hidden = one(soup, "input[type=hidden]")
    assert (hidden["name"], hidden["value"]) == ("token", XSS)
    assert_escaped(html)
    groups = soup.select("div.govuk-form-group")
    assert groups[0] is errors and len(groups) == 3


def test_wide_table_scrolls_inside_a_named_focusable_region() -> None:
    soup = render("table.html", caption="Teams", head=["A"], rows=[["x"]], wide=True)
    region = one(soup, "div.qaf-table-scroll")
    assert (region["role"], region["aria-label"], region["tabindex"]) == ("region", "Teams", "0")
    assert one(region, "table.govuk-table") is not None
    labelled = render("table.html", head=["A"], rows=[["x"]], wide=True, label="Import history")
    assert one(labelled, "div.qaf-table-scroll")["aria-label"] == "Import history"
    assert render("table.html", head=["A"], rows=[["x"]]).select("div.qaf-table-scroll") == []


# Task list ----------------------------------------------------------------------------------


def test_task_list_links_statuses_hints_and_cannot_start_yet() -> None:
    html = render_to_string(
        "components/task_list.html",
        {
            "items": [
                {"id": "t-a", "title": "About", "href": "/a/", "status": "Completed"},
                {
                    "id": "t-b",
                    "title": XSS,
                    "href": "/b/",
                    "hint": "Takes 5 minutes",
                    "status": "In progress",
                    "colour": "light-blue",
                },
                {
                    "id": "t-c",
                    "title": "Grades",
                    "href": "",
                    "hint": "Finish the others first",
                    "status": "Cannot start yet",
                    "colour": "grey",
                },
            ]
        },
    )
    soup = BeautifulSoup(html, "html.parser")
    items = one(soup, "ul.govuk-task-list").select("li.govuk-task-list__item")
    assert len(items) == 3
    first, second, third = items
    assert "govuk-task-list__item--with-link" in classes(first)
    link = one(first, "a.govuk-task-list__link")
    assert (link["href"], link.get_text()) == ("/a/", "About")
    assert link["aria-describedby"] == "t-a-status"
    status = one(first, "#t-a-status")
    assert status.get_text(strip=True) == "Completed"
    assert status.select("strong.govuk-tag") == []  # "Completed" is plain text, not a tag
    link = one(second, "a.govuk-task-list__link")
    assert link["aria-describedby"].split() == ["t-b-hint", "t-b-status"]
    assert one(second, "#t-b-hint").get_text() == "Takes 5 minutes"
    assert classes(one(second, "#t-b-status strong")) == ["govuk-tag", "govuk-tag--light-blue"]
    assert_escaped(html)
    assert "govuk-task-list__item--with-link" not in classes(third)
    assert third.select("a") == []
    assert third.select(".govuk-task-list__name-and-hint > div")[0].get_text() == "Grades"
    assert "govuk-task-list__status--cannot-start-yet" in classes(one(third, "#t-c-status"))
