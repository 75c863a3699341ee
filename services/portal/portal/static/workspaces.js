// A form marked data-once is sent once: a second click (or Enter) while the page is leaving
// does nothing. The server's Idempotency-Key is the guarantee; this only spares the request.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-once")) {
    return;
  }
  if (form.getAttribute("data-sent") === "1") {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "1");
});
// back to a page kept by the browser (back button): its forms may be sent again
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (form) {
    form.removeAttribute("data-sent");
  });
});
