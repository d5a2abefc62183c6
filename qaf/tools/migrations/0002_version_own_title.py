"""Each tool version keeps its own title (issue 13: uploading a draft renamed the published
version in use, because versions showed the tool's title, which followed the newest upload).
The title is filled from each version's stored definition; the tool's own title then follows
the version new forms use (the highest published one, else the newest)."""

from django.db import migrations, models


def fill_titles(apps, schema_editor):
    Tool = apps.get_model("tools", "Tool")
    ToolVersion = apps.get_model("tools", "ToolVersion")
    for version in ToolVersion.objects.all():
        version.title = version.definition_data.get("title") or version.tool.title
        version.save(update_fields=["title"])
    for tool in Tool.objects.all():
        versions = ToolVersion.objects.filter(tool=tool).order_by("-version")
        current = versions.filter(status="published").first() or versions.first()
        if current is not None:
            data = current.definition_data
            tool.title = data.get("title", tool.title)
            tool.kind = data.get("kind", tool.kind)
            tool.services = data.get("services", tool.services)
            tool.save(update_fields=["title", "kind", "services"])


class Migration(migrations.Migration):
    dependencies = [("tools", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="historicaltoolversion",
            name="title",
            field=models.CharField(default="", max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="toolversion",
            name="title",
            field=models.CharField(default="", max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(fill_titles, migrations.RunPython.noop),
    ]
