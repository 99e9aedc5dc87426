// payrun console: drag and drop onto the upload box, and the live part of a batch page.
(function () {
  "use strict";
  var drop = document.getElementById("drop");
  var file = document.getElementById("file");
  if (drop && file) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) {
        file.files = e.dataTransfer.files;
        document.getElementById("drop-hint").textContent = "Selected: " + file.files[0].name;
      }
    });
  }
  var live = document.getElementById("live");
  if (live && live.dataset.done !== "true") {
    var timer = setInterval(function () {
      fetch(live.dataset.src, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { return null; }
        return r.text();
      }).then(function (html) {
        if (html === null) { return; }
        live.innerHTML = html;
        if (live.querySelector("#done")) { clearInterval(timer); }
      }).catch(function () {});
    }, 1000);
  }
})();
