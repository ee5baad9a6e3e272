// The little JavaScript the pages need beyond htmx: a confirmation before destructive buttons.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
