// Active time for task pages: seconds with the tab visible and input in the last 2 minutes,
// shown in #timer and flushed to the task's time URL with sendBeacon. Returns the flush function.
window.redlineActiveTime = (root, locked) => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const IDLE_MS = 120000;
  let lastInput = Date.now(), lastTick = Date.now(), unsent = 0, shown = Number(root.dataset.active || 0);
  for (const type of ["keydown", "mousedown", "mousemove", "wheel", "scroll", "touchstart"]) {
    window.addEventListener(type, () => (lastInput = Date.now()), { passive: true, capture: true });
  }
  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  function tick() {
    const now = Date.now();
    const dt = (now - lastTick) / 1000;
    lastTick = now;
    if (!locked && !document.hidden && now - lastInput < IDLE_MS) {
      unsent += dt;
      shown += dt;
    }
    $("timer-value").textContent = clock(shown);
    $("timer").classList.toggle("idle", now - lastInput >= IDLE_MS);
  }
  function flush() {
    tick();
    if (locked || unsent < 0.5) return;
    const body = new FormData();
    body.append("seconds", unsent.toFixed(2));
    body.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "");
    if (navigator.sendBeacon(root.dataset.timeUrl, body)) unsent = 0;
  }
  setInterval(tick, 1000);
  setInterval(flush, 30000);
  document.addEventListener("visibilitychange", () => (document.hidden ? flush() : (lastTick = Date.now())));
  window.addEventListener("pagehide", flush);
  return flush;
};
