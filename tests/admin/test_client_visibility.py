"""The client's portal visibility toggles (§10) on its admin page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOGGLES = ("portal_show_notes", "portal_show_team_names", "portal_show_budget")


def test_client_page_has_a_portal_fieldset_with_the_three_toggles(admin_client, acme):
    response = admin_client.get(reverse("admin:clients_client_change", args=[acme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Portal</h2>" in html
    for name in TOGGLES:
        assert f'name="{name}"' in html
    assert "everyone appears as “Team member”" in html
    assert "not hidden with CSS" in html
    # The defaults: notes and names on, budgets off.
    form = response.context["adminform"].form
    assert [form[name].value() for name in TOGGLES] == [True, True, False]


def test_client_page_saves_the_toggles(admin_client, acme):
    url = reverse("admin:clients_client_change", args=[acme.pk])
    data = {
        "name": acme.name,
        "currency_code": acme.currency_code,
        "is_active": "on",
        "portal_show_budget": "on",  # unchecked boxes are simply absent
        "projects-TOTAL_FORMS": "0",
        "projects-INITIAL_FORMS": "0",
        "projects-MIN_NUM_FORMS": "0",
        "projects-MAX_NUM_FORMS": "1000",
        "branding-TOTAL_FORMS": "0",
        "branding-INITIAL_FORMS": "0",
        "branding-MIN_NUM_FORMS": "0",
        "branding-MAX_NUM_FORMS": "1",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    acme.refresh_from_db()
    assert acme.visibility.show_budget is True
    assert acme.visibility.show_notes is False and acme.visibility.show_team_names is False
