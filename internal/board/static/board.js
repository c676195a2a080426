// The board updates live: it asks the API for the repository's board
// every few seconds and reloads the page when its version changed.
(function () {
  "use strict";
  var grid = document.getElementById("board");
  if (!grid) {
    return;
  }
  var api = grid.getAttribute("data-api");
  var version = grid.getAttribute("data-version");
  var live = document.getElementById("live");
  function poll() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error(resp.status + " " + resp.statusText);
        }
        return resp.json();
      })
      .then(function (board) {
        if (board.version !== version) {
          window.location.reload();
          return;
        }
        live.textContent = "Updates live; checked " + new Date().toLocaleTimeString() + ".";
        window.setTimeout(poll, 3000);
      })
      .catch(function (err) {
        live.textContent = "Live updates stopped: " + err.message + ". Reload the page.";
      });
  }
  window.setTimeout(poll, 3000);
})();
