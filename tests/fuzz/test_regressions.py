"""Every 5xx the fuzzer (tests/fuzz/test_pages.py) found, pinned by its case."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_timer_stop_with_a_bare_word_next_goes_there_instead_of_500(client, staff_user):
    # redirect() took "' OR 1=1 --" for a view name: NoReverseMatch, 500.
    client.force_login(staff_user)
    response = client.post(reverse("timer:stop"), {"next": "' OR 1=1 --"})
    assert response.status_code == 302


def test_admin_change_view_with_an_empty_to_field_is_not_a_500(client, admin_user, acme):
    # Django skips its to_field check for "" and then looks up a field named "".
    client.force_login(admin_user)
    url = reverse("admin:clients_client_change", args=[acme.pk])
    assert client.get(url, {"_to_field": ""}).status_code == 200


@pytest.mark.parametrize("value", [" ", "abc", "0001-01-01"])
def test_api_token_add_with_a_bad_initial_expiry_is_not_a_500(client, admin_user, value):
    # The token admin lacked the safe initial-value parsing: a str reached the datetime widget.
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_apitoken_add"), {"expires_at": value})
    assert response.status_code == 200


def test_two_factor_step_with_a_bare_word_next_is_not_a_500(client, acme_user):
    # redirect() took "' OR 1=1 --" for a view name (NoReverseMatch); a relative path stays.
    client.force_login(acme_user)
    response = client.get(reverse("two_factor_verify"), {"next": "' OR 1=1 --"})
    assert response.status_code == 302
