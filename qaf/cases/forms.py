from django import forms

from .models import ImportFormat
from .services import MAX_UPLOAD_BYTES


class CaseImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            "An Annex A workbook (.xlsx), an SSDA903 return (.zip of its CSV files, or .xml), "
            f"a CIN census (.xml) or a CSV in QAF's layout. Up to {MAX_UPLOAD_BYTES // 2**20} MB."
        ),
        error_messages={"required": "Select the file to import"},
    )
    format = forms.ChoiceField(
        label="What is in the file?",
        choices=ImportFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what is in the file"},
    )
    dry_run = forms.BooleanField(
        label="Check the file only (a dry run: nothing is written)", required=False
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.0f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 2**20} MB"
            )
        return upload
