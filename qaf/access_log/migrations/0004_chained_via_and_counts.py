"""The access log becomes a chain (each row carries the hash of the one before), records how a
record was read (page, api, pdf, docx, export) and, for lists and exports, how many records.

SQLite rebuilds a table to alter it, which drops its triggers: they are dropped first and made
again at the end, now refusing deletes as well as updates (issue 17). Existing rows are chained
in id order while the triggers are off.
"""

from django.db import migrations, models

from qaf.access_log.models import GENESIS, chain_hash
from qaf.access_log.triggers import triggers_create, triggers_drop


def chain_existing_rows(apps, schema_editor):
    Entry = apps.get_model("access_log", "AccessLogEntry")
    previous = GENESIS
    for entry in Entry.objects.order_by("id").iterator(chunk_size=2000):
        entry.prev_hash = previous
        entry.row_hash = chain_hash(entry)
        Entry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, row_hash=entry.row_hash)
        previous = entry.row_hash


class Migration(migrations.Migration):
    dependencies = [
        ("access_log", "0003_append_only_triggers"),
    ]

    operations = [
        migrations.RunPython(triggers_drop, migrations.RunPython.noop),
        migrations.AddField(
            model_name="accesslogentry",
            name="count",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="prev_hash",
            field=models.CharField(
                default="0000000000000000000000000000000000000000000000000000000000000000",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="row_hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="object_id",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("allowed", "Allowed"),
                    ("not_found", "Refused (out of scope or missing)"),
                    ("refused", "Refused (not allowed)"),
                ],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="via",
            field=models.CharField(
                choices=[
                    ("page", "Page"),
                    ("api", "API"),
                    ("pdf", "PDF"),
                    ("docx", "Word document"),
                    ("export", "Export (spreadsheet or CSV)"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
