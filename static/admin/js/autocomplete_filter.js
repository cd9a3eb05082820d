// Relation filters of big change lists (timetracker/admin_bigtables.py, AutocompleteListFilter):
// choosing a value in the autocomplete box opens the list filtered by it; clearing it, unfiltered.
// Without JavaScript the filter still lists "All" and the chosen value as links.
// Delegated from the document and bound at once: jQuery runs each ready callback in its own
// task, so a handler bound on ready could miss a change made right after select2 has started.
"use strict";
{
  const $ = django.jQuery;

  function openList(select, value) {
    const url = new URL(select.dataset.filterQuery || "?", window.location.href);
    if (value) {
      url.searchParams.set(select.name, value);
    }
    window.location.assign(url.toString());
  }

  $(document).on("change", "select.autocomplete-filter", function () {
    openList(this, this.value);
  });
  // The clear button (or Delete on the box) opens the unfiltered list at once. Stopped before
  // select2 clears, it does not go on to open its dropdown and send a search that the leaving
  // page has no use for (on the test server that search shares one in-memory SQLite
  // connection with the navigation: the likely cause of a navigation CI lost twice).
  $(document).on("select2:clearing", "select.autocomplete-filter", function (event) {
    event.preventDefault();
    openList(this, "");
  });
}
