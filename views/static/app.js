// Progressive enhancement only: every page works without this file.
// A changed sort applies at once (without JavaScript, the search button applies it).
for (const select of document.querySelectorAll("select.apply-at-once")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

// "/" puts the cursor in the search box from anywhere on a page, unless the reader is typing somewhere.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const box = document.getElementById("q");
  if (!(box instanceof HTMLInputElement)) return;
  event.preventDefault();
  box.focus();
  box.select();
});
