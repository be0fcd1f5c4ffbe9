// Upload form with a progress bar: sends the same multipart POST as the plain form (which still
// works without JavaScript), shows the upload progress, then "正在解析与校验…" until the server
// answers with the preview's address or the table of errors. Texts come from data- attributes so
// that they follow the page language.
(function () {
  "use strict";
  var form = document.getElementById("zj-upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById("zj-upload-progress");
  var bar = box.querySelector(".progress-bar");
  var note = box.querySelector("p");
  var errors = document.getElementById("zj-upload-errors");
  var button = form.querySelector("button[type=submit]");

  function show(percent, text) {
    box.hidden = false;
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(percent));
    note.textContent = text || "";
  }

  function done() {
    button.disabled = false;
    bar.classList.remove("progress-bar-striped", "progress-bar-animated");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) show(Math.round((100 * e.loaded) / e.total));
    });
    xhr.upload.addEventListener("load", function () {
      show(100, form.dataset.parsing);
      bar.classList.add("progress-bar-striped", "progress-bar-animated");
    });
    xhr.addEventListener("load", function () {
      done();
      var data = xhr.response;
      if (xhr.status === 200 && data && data.ok && data.redirect) {
        window.location.assign(data.redirect);
      } else if (xhr.status === 200 && data && typeof data.html === "string") {
        box.hidden = true;
        errors.innerHTML = data.html; // rendered by the server's template, escaped there
        errors.scrollIntoView({ behavior: "smooth", block: "start" });
      } else {
        show(0, form.dataset.failed + " (HTTP " + xhr.status + ")");
      }
    });
    xhr.addEventListener("error", function () {
      done();
      show(0, form.dataset.failed);
    });
    button.disabled = true;
    errors.innerHTML = "";
    show(0);
    xhr.send(new FormData(form));
  });
})();
