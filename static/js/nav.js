// The navigation folds behind a button on narrow screens (Bootstrap's collapse markup, without its script).
document.querySelectorAll("[data-zj-toggle]").forEach((button) => {
  const menu = document.getElementById(button.dataset.zjToggle);
  button.addEventListener("click", () => {
    const open = menu.classList.toggle("show");
    button.setAttribute("aria-expanded", String(open));
  });
});
