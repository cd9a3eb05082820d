"""Create the "Subcontractors" group with the default permissions (PRODUCT.md §4.2).

Admins may widen the group later; scope still limits what any permission reaches.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Subcontractors"
PERMISSIONS = (
    ("tracking", "add_timeentry"),
    ("tracking", "change_timeentry"),
    ("tracking", "delete_timeentry"),
    ("tracking", "view_timeentry"),
    ("clients", "view_client"),
    ("clients", "view_project"),
    ("invoicing", "view_invoice"),
)


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make sure the
    # ones we need exist now, on a fresh database too.
    for app_label in {app for app, _ in PERMISSIONS}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0001_initial"),
        ("tracking", "0001_initial"),
        ("invoicing", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
