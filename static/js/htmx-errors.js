// A request htmx made that failed (an error status, or no answer at all) says so on the page;
// htmx itself leaves the page as it was, which looks like nothing happened.
(() => {
  function show(text) {
    let box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "toast error";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._hide);
    box._hide = setTimeout(() => { box.hidden = true; }, 12000);
  }
  document.body.addEventListener("htmx:responseError", (ev) => {
    const status = ev.detail.xhr.status;
    const what = status === 403 ? "You may not do that (403)."
      : status === 404 ? "That is no longer there (404)."
      : status === 413 ? "That was too large to send (413)."
      : status === 429 ? "Too many requests: wait a moment and try again (429)."
      : status >= 500 ? `The server failed (${status}); nothing was changed. Try again, or reload the page.`
      : `The request was refused (${status}).`;
    show(what);
  });
  document.body.addEventListener("htmx:sendError", () => show("No answer from the server: check your connection; nothing was saved."));
  document.body.addEventListener("htmx:timeout", () => show("The server took too long to answer; try again."));
})();
