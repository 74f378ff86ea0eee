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

// Copy a citation with one click; the text stays selectable for those without a clipboard.
for (const button of document.querySelectorAll("button.copy")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = "已复制";
  });
}

// Facets are a sidebar on a wide screen (open) and a collapsed section on a phone.
const facets = document.getElementById("facets");
if (facets && window.matchMedia("(min-width: 60rem)").matches) facets.open = true;
