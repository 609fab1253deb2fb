// The tampering page: active time and keyboard shortcuts (editing, testing and saving are htmx).
(() => {
  "use strict";
  const root = document.getElementById("tampering");
  if (!root) return;
  const locked = root.dataset.locked === "1";
  const $ = (id) => document.getElementById(id);
  const flush = window.redlineActiveTime(root, locked);
  const help = $("help");
  const toggleHelp = (show) => (help.hidden = !(show ?? help.hidden));
  $("help-button").addEventListener("click", () => toggleHelp(true));
  $("help-close").addEventListener("click", () => toggleHelp(false));
  const editor = $("tamper-text");
  // The submit carries the text as it is now: the autosave waits for a pause in typing.
  $("submit-form")?.addEventListener("submit", () => {
    if (editor) $("submit-text").value = editor.value;
    flush();
  });
  document.body.addEventListener("flaw-added", () => {
    $("tflaw-form")?.reset();
    $("tf-description")?.focus();
  });
  // Tab indents in the editor (code), instead of leaving it.
  editor?.addEventListener("keydown", (ev) => {
    if (ev.key !== "Tab" || ev.shiftKey || locked) return;
    ev.preventDefault();
    document.execCommand("insertText", false, "    ");
  });
  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest?.("textarea, input[type=text], select");
    if (ev.key === "Escape") {
      if (!help.hidden) toggleHelp(false);
      else if (typing) ev.target.blur();
      return;
    }
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      if (ev.target.id === "tf-description") {
        ev.preventDefault();
        htmx.trigger($("tflaw-form"), "submit");
      } else if (!typing) {
        ev.preventDefault();
        $("submit-button")?.click();
      }
      return;
    }
    if (typing || ev.altKey || ev.ctrlKey || ev.metaKey || (!help.hidden && ev.key !== "?")) return;
    const go = { e: () => editor?.focus(), d: () => $("tf-description")?.focus(), t: () => $("run-tests")?.click(), "?": () => toggleHelp() }[ev.key];
    if (go) {
      ev.preventDefault();
      go();
    }
  });
})();
