// Progressive enhancement of the workspace upload: drag and drop onto the drop zone, and a
// progress bar while the file goes up. Without JavaScript the plain form posts the same way.
(function () {
  var form = document.getElementById("upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var drop = document.getElementById("drop");
  var input = document.getElementById("file");
  var bar = document.getElementById("progress");
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });
  form.addEventListener("submit", function (e) {
    if (!input.files.length) return;
    e.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (p) {
      if (p.lengthComputable) bar.value = Math.round((p.loaded / p.total) * 100);
    });
    xhr.addEventListener("load", function () {
      // the server answers with a redirect to the receipt, or the form again with an error
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.href = xhr.responseURL;
      } else {
        document.open(); document.write(xhr.responseText); document.close();
      }
    });
    xhr.send(new FormData(form));
  });
})();
