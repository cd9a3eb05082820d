// Relation filters of big change lists (timetracker/admin_bigtables.py, AutocompleteListFilter):
// choosing a value in the autocomplete box opens the list filtered by it; clearing it, unfiltered.
// Without JavaScript the filter still lists "All" and the chosen value as links.
// Delegated from the document and bound at once: jQuery runs each ready callback in its own
// task, so a handler bound on ready could miss a change made right after select2 has started.
"use strict";
{
  const $ = django.jQuery;
  $(document).on("change", "select.autocomplete-filter", function () {
    const url = new URL(this.dataset.filterQuery || "?", window.location.href);
    if (this.value) {
      url.searchParams.set(this.name, this.value);
    }
    window.location.assign(url.toString());
  });
}
