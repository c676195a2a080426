// The board updates live, without reloading: it asks the API for the
// repository's board every few seconds and, when its version changed,
// fetches the page again and swaps the grid, holds and notes in place.
(function () {
  "use strict";
  var live = document.getElementById("live");
  function current() {
    return document.getElementById("live-board");
  }
  if (!current()) {
    return;
  }
  var every = parseInt(current().getAttribute("data-poll"), 10) || 3000;
  function stopped(err) {
    live.textContent = "Live updates stopped: " + err.message + ". Reload the page.";
  }
  function fetchOK(url, accept) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: accept } }).then(function (resp) {
      if (!resp.ok) {
        throw new Error(resp.status + " " + resp.statusText);
      }
      return resp;
    });
  }
  // swap replaces the board with the one of a fresh copy of the page.
  function swap() {
    return fetchOK(window.location.pathname, "text/html")
      .then(function (resp) {
        return resp.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-board");
        if (!fresh) {
          throw new Error("the page has no board");
        }
        current().replaceWith(document.adoptNode(fresh));
      });
  }
  function poll() {
    var shown = current().getAttribute("data-version");
    fetchOK(current().getAttribute("data-api"), "application/json")
      .then(function (resp) {
        return resp.json();
      })
      .then(function (board) {
        return board.version === shown ? null : swap();
      })
      .then(function () {
        live.textContent = "Updates live; checked " + new Date().toLocaleTimeString() + ".";
        window.setTimeout(poll, every);
      })
      .catch(stopped);
  }
  window.setTimeout(poll, every);
})();
