"""Orders the documents branch's migration before the integrity one (no operations).

0002_business_profile_deliveries adds ``invoice.issuer``, which on SQLite rebuilds
invoicing_invoice; with the integrity triggers already installed the rebuild fails
("error in trigger invoice_project_moves: no such table"). Running it first, then
0002_invoice_integrity, installs the triggers on the final tables. Lead: replace this by
rebasing the documents migration onto 0002_invoice_integrity (calling
``install_invoice_integrity`` again) if databases with the integrity migration applied exist.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("invoicing", "0002_business_profile_deliveries")]
    run_before = [("invoicing", "0002_invoice_integrity")]

    operations = []
