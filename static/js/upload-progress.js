// Shows upload progress for the import form (htmx reports XHR progress events).
(function () {
  const form = document.getElementById("import-form");
  if (!form) return;
  const box = document.getElementById("upload-progress");
  const bar = box.querySelector("progress");
  const label = document.getElementById("upload-label");
  form.addEventListener("htmx:beforeRequest", function () {
    box.hidden = false; bar.value = 0; label.textContent = "Uploading…";
  });
  form.addEventListener("htmx:xhr:progress", function (event) {
    if (!event.detail.lengthComputable) return;
    const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.value = percent;
    label.textContent = percent < 100 ? "Uploading… " + percent + "%" : "Validating and importing…";
    if (percent >= 100) bar.removeAttribute("value");
  });
  const done = function () { box.hidden = true; };
  document.body.addEventListener("htmx:afterRequest", done);
  document.body.addEventListener("htmx:afterSettle", done);
})();
