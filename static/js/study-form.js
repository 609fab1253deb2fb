// The new-study form: show only the options of the chosen task kind.
(() => {
  "use strict";
  const kind = document.querySelector("#study-form select[name=task_kind]");
  if (!kind) return;
  const show = () => {
    for (const group of document.querySelectorAll("#study-form .task-options")) group.hidden = group.dataset.for !== kind.value;
  };
  kind.addEventListener("change", show);
  show();
})();
