// The comparison page: keyboard answering (focus a question, press 1-7), active time with
// sendBeacon, and a submit that travels with the last stretch of active time.
(() => {
  "use strict";
  const root = document.getElementById("comparing");
  if (!root) return;
  const locked = root.dataset.locked === "1";
  const $ = (id) => document.getElementById(id);
  const questions = () => Array.from(document.querySelectorAll("form.q"));
  let current = 0;

  const flush = window.redlineActiveTime(root, locked);
  $("submit-form")?.addEventListener("submit", flush);
  // A rationale typed just before leaving the page is sent on the way out (autosave waits 0.7 s).
  const dirty = new Set();
  document.addEventListener("input", (ev) => ev.target.closest?.("form.q-text") && dirty.add(ev.target.closest("form.q-text")));
  document.body.addEventListener("htmx:beforeRequest", (ev) => {
    const box = ev.detail.elt.querySelector?.("textarea");
    if (box) ev.detail.elt.dataset.sent = box.value;
  });
  document.body.addEventListener("htmx:afterRequest", (ev) => {
    const box = ev.detail.elt.querySelector?.("textarea");
    if (box && ev.detail.successful && box.value === ev.detail.elt.dataset.sent) dirty.delete(ev.detail.elt);
  });
  window.addEventListener("pagehide", () => {
    for (const form of dirty) {
      const body = new FormData(form);
      body.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "");
      navigator.sendBeacon(form.getAttribute("hx-post"), body);
    }
    dirty.clear();
  });

  // ---- keyboard ------------------------------------------------------------------------------
  const help = $("help");
  const toggleHelp = (show) => (help.hidden = !(show ?? help.hidden));
  $("help-button").addEventListener("click", () => toggleHelp(true));
  $("help-close").addEventListener("click", () => toggleHelp(false));
  function focusQuestion(index) {
    const list = questions();
    if (!list.length) return;
    current = Math.min(list.length - 1, Math.max(0, index));
    list[current].focus();
    list[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("focusin", (ev) => {
    const q = ev.target.closest?.("form.q");
    if (q) current = questions().indexOf(q);
  });
  function answer(value) {
    const q = questions()[current];
    if (!q || locked) return;
    if (value === "0") {
      q.querySelectorAll("input[type=radio]").forEach((r) => (r.checked = false));
      htmx.ajax("POST", q.getAttribute("hx-post"), { source: q, target: "#save-state", swap: "outerHTML", values: { value: "" } });
      return;
    }
    const radio = q.querySelector(`input[type=radio][value="${value}"]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    focusQuestion(current + 1);
  }
  function firstUnanswered() {
    const list = questions();
    const at = list.findIndex((q) => !q.querySelector("input[type=radio]:checked"));
    return at < 0 ? 0 : at;
  }
  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest?.("textarea, input[type=text], select");
    if (ev.key === "Escape") {
      if (!help.hidden) toggleHelp(false);
      else if (typing) ev.target.blur();
      return;
    }
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      $("submit-button")?.click();
      return;
    }
    if (typing || ev.altKey || ev.ctrlKey || ev.metaKey || (!help.hidden && ev.key !== "?")) return;
    if (ev.target.closest?.("details.skip")) return;
    if (ev.key === "?") toggleHelp();
    else if (/^[0-7]$/.test(ev.key)) {
      if (!document.activeElement?.closest?.("form.q")) focusQuestion(firstUnanswered());
      answer(ev.key);
    } else if (ev.key === "j" || ev.key === "ArrowDown") {
      ev.preventDefault();
      focusQuestion(current + 1);
    } else if (ev.key === "k" || ev.key === "ArrowUp") {
      ev.preventDefault();
      focusQuestion(current - 1);
    } else if (ev.key === "w") {
      const q = questions()[current];
      const box = (q?.closest(".candidate, .compare-submit") || document).querySelector("form.q-text textarea");
      if (box) {
        ev.preventDefault();
        box.focus();
      }
    } else return;
  });
  if (!locked) focusQuestion(firstUnanswered());
})();
