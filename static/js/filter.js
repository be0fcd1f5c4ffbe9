// A search box that hides the rows of a list not containing what was typed (data-zj-filter names the list;
// each row carries its searchable text in data-zj-text), and groups left without a row.
document.querySelectorAll("[data-zj-filter]").forEach((input) => {
  const root = document.getElementById(input.dataset.zjFilter);
  const count = input.parentElement.querySelector("[data-zj-filter-count]");
  const rows = [...root.querySelectorAll("[data-zj-text]")];
  input.addEventListener("input", () => {
    const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach((row) => {
      const text = row.dataset.zjText.toLowerCase();
      const match = words.every((w) => text.includes(w));
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    root.querySelectorAll("[data-zj-group]").forEach((group) => {
      group.hidden = !group.querySelector("[data-zj-text]:not([hidden])");
    });
    count.textContent = words.length ? `${shown} / ${rows.length}` : "";
  });
});
