// newsalert: a little plain JavaScript on top of server-rendered pages (everything works without it).
"use strict";

(function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Replace target's content with the server-rendered fragment at url, unless a newer request was made since.
  var latest = {};
  function fetchInto(url, target) {
    var ticket = (latest[target.id] || 0) + 1;
    latest[target.id] = ticket;
    return fetch(url, { credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); }  // session expired: show the sign-in page
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        if (latest[target.id] === ticket) { target.innerHTML = html; }  // escaped by the template engine
      })
      .catch(function () { /* keep the last feedback; the form still works */ });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var query = document.getElementById("query");
  var feedback = document.getElementById("interpretation");
  if (query && feedback) {
    var lastSent = null;
    var interpret = function () {
      if (query.value === lastSent) { return; }
      lastSent = query.value;
      fetchInto("/ui/interpret?query=" + encodeURIComponent(query.value), feedback);
    };
    query.addEventListener("input", debounce(interpret, 200));
  }

  var previewButton = document.getElementById("preview-button");
  var preview = document.getElementById("preview");
  if (query && previewButton && preview) {
    previewButton.addEventListener("click", function (event) {
      event.preventDefault();
      preview.setAttribute("aria-busy", "true");
      fetchInto("/ui/preview?query=" + encodeURIComponent(query.value), preview).then(function () {
        preview.removeAttribute("aria-busy");
      });
    });
  }
})();
