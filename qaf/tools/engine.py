"""The form engine's public API: what another app uses to fill in, check, grade and show a form
built from a tool definition. Import from here, never from the engine's own modules (their
names may move); nothing here is new code, each name is defined where its layer is.

A workflow that owns forms (an audit, a practice review, a survey) does this:

1. start: `form_response_start(tool_version=..., author=..., child=..., purpose="audit")`
   (a published version; a practice form may use a draft);
2. look its form up through its own scoped selector (the workflow decides who may read it), or
   `form_response_get_visible(user=..., pk=...)` for the author and the QA unit;
3. pages: `section_states(response)` for a task list, `section_page(request, response,
   section_key, action_url=..., autosave_url=..., done_url=..., facts=case_facts_for(child=...))`
   for one section (GET renders, POST saves, conflicts show both texts), `answer_rows(response)`
   and `OverallGradeForm` for a check-answers page, `render_response_readonly(request, response)`
   for a submitted form;
4. writes: `form_response_save_section`, `form_response_set_grade`, `form_response_submit`
   (FormIncomplete lists what is missing; ResponseLocked once submitted; FormResponseConflict
   for a stale row version);
5. `acting_user(request)`: the signed-in person, typed `User`, for the services' `by`;
6. reading a definition: `ToolDefinition` (`.grade_scale`, `.grades()`, `.sections`, ...),
   `visible_questions`, `suggest_grade`; answers: `answer_clean`, `is_blank`, `missing_message`,
   `form_missing`, `display_answer`.
"""

from .answers import (
    AnswerInvalid,
    Missing,
    answer_clean,
    form_missing,
    is_blank,
    missing_message,
    section_missing,
)
from .definition import (
    DefinitionInvalid,
    GradeOption,
    GradeScale,
    Problem,
    Question,
    Section,
    ToolDefinition,
    parse_definition,
    suggest_grade,
    visible_questions,
)
from .forms import GRADE_FIELD, ROW_VERSION_FIELD, OverallGradeForm, SectionForm, display_answer
from .pages import (
    acting_user,
    answer_rows,
    render_response_readonly,
    render_section,
    section_page,
    section_states,
)
from .selectors import case_facts_for, form_response_get_visible
from .services import (
    FormIncomplete,
    FormResponseConflict,
    ResponseLocked,
    SectionSaveResult,
    form_response_save_section,
    form_response_set_grade,
    form_response_start,
    form_response_submit,
)

__all__ = [
    "GRADE_FIELD",
    "ROW_VERSION_FIELD",
    "AnswerInvalid",
    "DefinitionInvalid",
    "FormIncomplete",
    "FormResponseConflict",
    "GradeOption",
    "GradeScale",
    "Missing",
    "OverallGradeForm",
    "Problem",
    "Question",
    "ResponseLocked",
    "Section",
    "SectionForm",
    "SectionSaveResult",
    "ToolDefinition",
    "acting_user",
    "answer_clean",
    "answer_rows",
    "case_facts_for",
    "display_answer",
    "form_missing",
    "form_response_get_visible",
    "form_response_save_section",
    "form_response_set_grade",
    "form_response_start",
    "form_response_submit",
    "is_blank",
    "missing_message",
    "parse_definition",
    "render_response_readonly",
    "render_section",
    "section_missing",
    "section_page",
    "section_states",
    "suggest_grade",
    "visible_questions",
]
