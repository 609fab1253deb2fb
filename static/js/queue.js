// The task list: `n` starts (or continues) the next task.
document.addEventListener("keydown", (ev) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(ev.target.tagName);
  if (ev.key === "n" && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
    document.getElementById("next-form")?.requestSubmit();
  }
});
