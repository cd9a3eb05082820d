import pytest

pytestmark = pytest.mark.django_db


def test_smoke(api, world, subcontractor, acme_user, staff_user):
    for user in (subcontractor, acme_user, staff_user):
        c = api(user)
        for url in [
            "/api/v1/me/",
            "/api/v1/clients/",
            "/api/v1/projects/",
            "/api/v1/time-entries/",
            "/api/v1/invoices/",
            "/api/v1/timer/",
            "/api/v1/reports/",
            f"/api/v1/invoices/{world.acme_invoice.pk}/",
        ]:
            r = c.get(url)
            print(user, url, r.status_code, r.content[:300])
