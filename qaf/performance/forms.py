from django import forms

from .services import MAX_BENCHMARK_BYTES


class BenchmarkImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a benchmark file",
        help_text="A CSV with the columns kpi, comparator, period, value, source (docs/kpis.md).",
        error_messages={"required": "Select the CSV file of benchmarks"},
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file (.csv)")
        if upload.size > MAX_BENCHMARK_BYTES:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        return upload
