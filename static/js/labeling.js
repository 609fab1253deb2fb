// The labeling page: what htmx cannot do. Selections become character offsets, spans are
// highlighted with the CSS Custom Highlight API (no DOM rewriting of untrusted text),
// active time is measured and flushed with sendBeacon, and keyboard shortcuts.
(() => {
  "use strict";
  const root = document.getElementById("labeling");
  if (!root) return;
  const locked = root.dataset.locked === "1";
  const taskId = root.dataset.task;
  const response = document.getElementById("response");
  const sources = () => Array.from(response.querySelectorAll(".src"));
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  const $ = (id) => document.getElementById(id);
  const storeKey = `redline:task:${taskId}`;

  // ---- offsets <-> DOM ranges -------------------------------------------------------------
  function offsetIn(src, node, nodeOffset) {
    const range = document.createRange();
    range.setStart(src, 0);
    range.setEnd(node, nodeOffset);
    return Number(src.dataset.offset) + range.toString().length;
  }
  function srcOf(node) {
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return el ? el.closest(".src") : null;
  }
  function point(src, offset) {
    // The text node and offset inside `src` at character `offset` of the response.
    const walker = document.createTreeWalker(src, NodeFilter.SHOW_TEXT);
    let left = offset - Number(src.dataset.offset);
    let node = walker.nextNode();
    while (node) {
      if (left <= node.data.length) return [node, left];
      left -= node.data.length;
      node = walker.nextNode();
    }
    return [src, src.childNodes.length];
  }
  function rangesFor(start, end) {
    const ranges = [];
    for (const src of sources()) {
      const from = Number(src.dataset.offset);
      const to = from + src.textContent.length;
      if (end <= from || start >= to) continue;
      const range = document.createRange();
      range.setStart(...point(src, Math.max(start, from)));
      range.setEnd(...point(src, Math.min(end, to)));
      ranges.push(range);
    }
    return ranges;
  }
  const canHighlight = typeof CSS !== "undefined" && "highlights" in CSS;
  function paint(name, spans) {
    if (!canHighlight) return;
    const ranges = spans.flatMap(([s, e]) => rangesFor(s, e));
    CSS.highlights.set(name, new Highlight(...ranges));
  }
  const spanOf = (el) => (el && el.dataset.start !== undefined ? [Number(el.dataset.start), Number(el.dataset.end)] : null);
  function paintAll() {
    paint("flaws", Array.from(document.querySelectorAll("#flaws [data-start]")).map(spanOf));
    paint("ai", Array.from(document.querySelectorAll("#critique [data-start]")).map(spanOf));
  }
  function focusSpan(el) {
    const span = spanOf(el);
    paint("focus", span ? [span] : []);
    if (span) rangesFor(...span)[0]?.startContainer.parentElement?.scrollIntoView({ block: "nearest" });
  }
  for (const type of ["mouseover", "focusin"]) {
    document.addEventListener(type, (ev) => {
      const el = ev.target.closest?.(".flaw, .ai-comment");
      if (el) focusSpan(el);
    });
  }
  document.addEventListener("mouseout", (ev) => {
    if (ev.target.closest?.(".flaw, .ai-comment") && !document.activeElement?.closest?.(".flaw, .ai-comment")) paint("focus", []);
  });

  // ---- selection -> new flaw form -----------------------------------------------------------
  const form = $("flaw-form");
  const fields = { start: $("f-start"), end: $("f-end"), lineStart: $("f-line-start"), lineEnd: $("f-line-end") };
  let anchorLine = null;
  function setSelection(start, end, lineStart, lineEnd) {
    if (!form) return;
    fields.start.value = start ?? "";
    fields.end.value = end ?? "";
    fields.lineStart.value = lineStart ?? "";
    fields.lineEnd.value = lineEnd ?? "";
    const label = $("selection-label");
    if (start === null || start === undefined) {
      label.textContent = "No selection: the flaw is about the response as a whole.";
      paint("selection", []);
      return;
    }
    const lines = lineStart ? (lineStart === lineEnd ? `Line ${lineStart}: ` : `Lines ${lineStart}–${lineEnd}: `) : "";
    const quote = rangesFor(start, end).map((r) => r.toString()).join("\n");
    label.textContent = `${lines}“${quote.length > 90 ? quote.slice(0, 90) + "…" : quote}”`;
    paint("selection", [[start, end]]);
  }
  function lineOf(node) {
    const li = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement)?.closest("li[data-line]");
    return li ? Number(li.dataset.line) : null;
  }
  function captureSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return false;
    const range = sel.getRangeAt(0);
    if (!response.contains(range.startContainer) || !response.contains(range.endContainer)) return false;
    const startSrc = srcOf(range.startContainer) || sources().find((s) => range.intersectsNode(s));
    const endSrc = srcOf(range.endContainer) || sources().reverse().find((s) => range.intersectsNode(s));
    if (!startSrc || !endSrc) return false;
    const start = srcOf(range.startContainer) ? offsetIn(startSrc, range.startContainer, range.startOffset) : Number(startSrc.dataset.offset);
    const end = srcOf(range.endContainer)
      ? offsetIn(endSrc, range.endContainer, range.endOffset)
      : Number(endSrc.dataset.offset) + endSrc.textContent.length;
    if (end <= start) return false;
    const ls = lineOf(startSrc), le = lineOf(endSrc);
    setSelection(start, end, ls, le);
    return true;
  }
  if (response && form) {
    response.addEventListener("mouseup", () => setTimeout(captureSelection, 0));
    response.addEventListener("click", (ev) => {
      const button = ev.target.closest(".ln");
      if (!button) return;
      const line = Number(button.closest("li").dataset.line);
      const from = ev.shiftKey && anchorLine ? Math.min(anchorLine, line) : line;
      const to = ev.shiftKey && anchorLine ? Math.max(anchorLine, line) : line;
      if (!ev.shiftKey) anchorLine = line;
      const first = response.querySelector(`li[data-line="${from}"] .src`);
      const last = response.querySelector(`li[data-line="${to}"] .src`);
      setSelection(Number(first.dataset.offset), Number(last.dataset.offset) + last.textContent.length, from, to);
    });
    $("clear-selection").addEventListener("click", () => setSelection(null));
    document.body.addEventListener("flaw-added", () => {
      form.reset();
      setSelection(null);
      anchorLine = null;
      saveLocal();
      window.getSelection()?.removeAllRanges();
    });
  }
  function newFlawFromSelection() {
    if (!form) return;
    captureSelection();
    $("f-description").focus();
  }

  // ---- autosave: the server has every change; the browser keeps what it could not send yet ----
  const draft = $("draft-form");
  const local = () => JSON.parse(localStorage.getItem(storeKey) || "{}");
  function saveLocal(extra = {}) {
    if (locked) return;
    const data = { ...local(), ...extra, description: $("f-description")?.value || "" };
    localStorage.setItem(storeKey, JSON.stringify(data));
  }
  function draftValues() {
    return { rating: draft.querySelector("input[name=rating]:checked")?.value || "", free_text: $("free-text").value };
  }
  if (draft && !locked) {
    draft.addEventListener("input", () => saveLocal({ draft: draftValues(), dirty: true }));
    draft.addEventListener("htmx:afterRequest", (ev) => {
      if (ev.detail.successful) saveLocal({ dirty: false });
    });
    document.body.addEventListener("htmx:sendError", () => {
      const state = $("save-state");
      if (state) {
        state.textContent = "Offline: your changes are kept in this browser and will be saved when the network is back.";
        state.className = "small error";
      }
    });
    window.addEventListener("online", () => local().dirty && htmx.trigger(draft, "retry-save"));
    $("f-description")?.addEventListener("input", () => saveLocal());
    const kept = local();
    if (kept.description && $("f-description")) $("f-description").value = kept.description;
    if (kept.dirty && kept.draft) {
      const radio = draft.querySelector(`input[name=rating][value="${kept.draft.rating}"]`);
      if (radio) radio.checked = true;
      $("free-text").value = kept.draft.free_text;
      htmx.trigger(draft, "retry-save");
    }
    draft.addEventListener("submit", () => {
      // The last stretch of active time travels with the submit itself: a beacon could arrive after it.
      tick();
      $("submit-active").value = unsent.toFixed(2);
      unsent = 0;
      setTimeout(() => ($("submit-button").disabled = true), 0);
      localStorage.removeItem(storeKey);
    });
  }
  if (locked) localStorage.removeItem(storeKey);

  // ---- active time: visible tab and input within the last 2 minutes ---------------------------
  const IDLE_MS = 120000;
  let lastInput = Date.now(), lastTick = Date.now(), unsent = 0, shown = Number(root.dataset.active || 0);
  for (const type of ["keydown", "mousedown", "mousemove", "wheel", "scroll", "touchstart"]) {
    window.addEventListener(type, () => (lastInput = Date.now()), { passive: true, capture: true });
  }
  const limit = Number(root.dataset.timeLimit || 0);
  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  if (limit && $("timer-limit")) $("timer-limit").textContent = clock(limit);
  function tick() {
    const now = Date.now();
    const dt = (now - lastTick) / 1000;
    lastTick = now;
    if (!locked && !document.hidden && now - lastInput < IDLE_MS) {
      unsent += dt;
      shown += dt;
    }
    $("timer-value").textContent = clock(shown);
    $("timer").classList.toggle("over", limit > 0 && shown > limit);
    $("timer").classList.toggle("idle", now - lastInput >= IDLE_MS);
  }
  function flush() {
    tick();
    if (locked || unsent < 0.5) return;
    const body = new FormData();
    body.append("seconds", unsent.toFixed(2));
    body.append("csrfmiddlewaretoken", csrf());
    if (navigator.sendBeacon(root.dataset.timeUrl, body)) unsent = 0;
  }
  setInterval(tick, 1000);
  setInterval(flush, 30000);
  document.addEventListener("visibilitychange", () => (document.hidden ? flush() : (lastTick = Date.now())));
  window.addEventListener("pagehide", flush);

  // ---- keyboard ------------------------------------------------------------------------------
  const help = $("help");
  const toggleHelp = (show) => (help.hidden = !(show ?? help.hidden));
  $("help-button").addEventListener("click", () => toggleHelp(true));
  $("help-close").addEventListener("click", () => toggleHelp(false));
  const comments = () => Array.from(document.querySelectorAll("#critique .ai-comment[data-judgement]"));
  let focusedJudgement = null;
  document.addEventListener("focusin", (ev) => {
    const c = ev.target.closest?.(".ai-comment");
    if (c) focusedJudgement = c.dataset.judgement;
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    paintAll();
    const again = focusedJudgement && document.querySelector(`.ai-comment[data-judgement="${focusedJudgement}"]`);
    if (again && document.activeElement === document.body) again.focus();
  });
  function moveComment(step) {
    const list = comments();
    if (!list.length) return;
    const at = list.findIndex((c) => c.dataset.judgement === focusedJudgement);
    list[Math.min(list.length - 1, Math.max(0, at + step))].focus();
  }
  function judge(key) {
    const c = comments().find((el) => el.dataset.judgement === focusedJudgement) || comments()[0];
    if (!c) return;
    focusedJudgement = c.dataset.judgement;
    const label = { a: "Accept", r: "Wrong", p: "Nitpick", h: "Yes", u: "No" }[key];
    Array.from(c.querySelectorAll(".judge button")).find((b) => b.textContent.trim().startsWith(label))?.click();
  }
  // Submitting cannot be undone: the first `s` asks, a second one within 4 s submits.
  let submitArmedUntil = 0;
  function submitOnSecondPress() {
    const prompt = $("submit-confirm");
    if (!draft || !prompt) return;
    if (Date.now() < submitArmedUntil) {
      prompt.hidden = true;
      return draft.requestSubmit();
    }
    submitArmedUntil = Date.now() + 4000;
    prompt.hidden = false;
    setTimeout(() => { if (Date.now() >= submitArmedUntil) prompt.hidden = true; }, 4100);
  }
  const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) && el.type !== "radio");
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.key === "Escape") {
      if (!help.hidden) return toggleHelp(false);
      if (typing(t)) return t.blur();
      return setSelection(null);
    }
    if (form && ev.altKey && ["1", "2", "3"].includes(ev.key)) {
      ev.preventDefault();
      form.querySelectorAll("input[name=severity]")[Number(ev.key) - 1].checked = true;
      return;
    }
    if (form && (ev.ctrlKey || ev.metaKey) && ev.key === "Enter" && form.contains(t)) {
      ev.preventDefault();
      return form.requestSubmit();
    }
    if (typing(t) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "?") return toggleHelp();
    if (locked) return;
    if (ev.key >= "1" && ev.key <= "7" && draft) {
      const radio = draft.querySelector(`input[name=rating][value="${ev.key}"]`);
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
      saveLocal({ draft: draftValues(), dirty: true });
      return;
    }
    const actions = {
      f: newFlawFromSelection,
      n: () => $("free-text")?.focus(),
      s: submitOnSecondPress,
      j: () => moveComment(1),
      k: () => moveComment(-1),
    };
    if (actions[ev.key]) {
      ev.preventDefault();
      return actions[ev.key]();
    }
    if ("arphu".includes(ev.key) && ev.key.length === 1) judge(ev.key);
  });
  paintAll();
  tick();
})();
