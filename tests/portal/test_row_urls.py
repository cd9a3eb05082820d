"""``{% row_url %}``: the same URL as ``{% url %}``, reversed once per render."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

ROWS = Template(
    "{% load row_urls %}{% for pk in pks %}{% row_url 'portal:project_detail' pk %} {% endfor %}"
)


def test_each_row_gets_the_url_reverse_gives():
    pks = [1, 7, 0, 123456789, 7]
    rendered = ROWS.render(Context({"pks": pks})).split()
    assert rendered == [reverse("portal:project_detail", args=[pk]) for pk in pks]


def test_other_url_names_in_one_render():
    template = Template(
        "{% load row_urls %}{% row_url 'portal:invoice_detail' 5 %}|"
        "{% row_url 'portal:invoice_pdf' 5 %}|{% row_url 'portal:invoice_detail' 6 %}"
    )
    assert template.render(Context()) == "|".join(
        [
            reverse("portal:invoice_detail", args=[5]),
            reverse("portal:invoice_pdf", args=[5]),
            reverse("portal:invoice_detail", args=[6]),
        ]
    )


@pytest.mark.parametrize("pk", [None, "x", -1])
def test_a_value_that_is_no_id_fails_as_url_would(pk):
    with pytest.raises(NoReverseMatch):
        ROWS.render(Context({"pks": [pk]}))


def test_a_script_prefix_is_kept():
    from django.urls import clear_script_prefix, set_script_prefix

    set_script_prefix("/tt/")
    try:
        expected = reverse("portal:project_detail", args=[3])
        assert expected.startswith("/tt/")
        assert ROWS.render(Context({"pks": [3]})).strip() == expected
    finally:
        clear_script_prefix()
