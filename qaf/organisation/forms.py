from django import forms


class StaffImportForm(forms.Form):
    """Upload an HR extract. Size, encoding and content are checked by the import service."""

    file = forms.FileField(
        label="HR extract (CSV file)",
        help_text="A CSV UTF-8 file of up to 5 MB, one row per person.",
        allow_empty_file=True,
        error_messages={"required": "Select the CSV file to import"},
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label="Check the file without importing",
        required=False,
        help_text="We check every row and show what would change, but save nothing.",
    )
