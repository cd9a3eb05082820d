"""Form widgets of the portal that render without the template engine.

Django renders a ``<select>`` through one template and one included template per
``<option>``: the time-entry filter's project list (200 projects for a big client) took
longer to render than the rest of the page. ``FastSelect`` writes the same markup in Python.
"""

from __future__ import annotations

import html

from django import forms
from django.utils.functional import Promise
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """``forms.Select`` with the markup of Django's ``select.html`` built in Python.

    Same attributes in the same order as ``attrs.html`` (``True`` → bare name, ``False`` →
    omitted), same ``selected`` options and optgroups; names, labels and values escaped.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        selected = set(self.format_value(value))
        parts = [f'<select name="{conditional_escape(name)}"{_attrs(final_attrs)}>']
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(f'\n  <optgroup label="{conditional_escape(option_value)}">')
                parts.extend(self._option(v, sub_label, selected) for v, sub_label in label)
                parts.append("\n  </optgroup>")
            else:
                parts.append(self._option(option_value, label, selected))
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every piece escaped above

    def _option(self, value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        mark = " selected" if value in selected else ""
        return (
            f'\n  <option value="{conditional_escape(value)}"{mark}>{conditional_escape(label)}'
            "</option>"
        )


def conditional_escape(text) -> str:
    """``django.utils.html.conditional_escape`` without its lazy-argument wrapper: the same
    text (``__html__`` kept, everything else through ``html.escape``), called 400 times for
    200 options."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html`` in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )
