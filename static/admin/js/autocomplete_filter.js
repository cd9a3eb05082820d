// Relation filters of big change lists (timetracker/admin_bigtables.py, AutocompleteListFilter):
// choosing a value in the autocomplete box opens the list filtered by it; clearing it, unfiltered.
// Without JavaScript the filter still lists "All" and the chosen value as links.
"use strict";
{
  const $ = django.jQuery;
  $(function () {
    $("select.autocomplete-filter").on("change", function () {
      const url = new URL(this.dataset.filterQuery || "?", window.location.href);
      if (this.value) {
        url.searchParams.set(this.name, this.value);
      }
      window.location.assign(url.toString());
    });
  });
}
