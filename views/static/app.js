// Progressive enhancement only: every page works without this file.
// A changed sort applies at once (without JavaScript, the search button applies it).
for (const select of document.querySelectorAll("select.apply-at-once")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}
