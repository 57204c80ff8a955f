// The officers' search box: a dossier code typed, or the receipt's QR code read by a handheld scanner (which
// types the look-up address it holds, then Enter) or by the camera ("scan" buttons, [data-scan-for=<input id>]).
// The camera is read with Chromium's BarcodeDetector where it reads QR codes, else with jsQR (api/static
// node_modules, loaded on first use). Either way only the dossier code is sent: the look-up secret in the QR
// address stays in the browser. The server does the same for what a scanner types (engine/domain/search.code_in).
(function () {
  "use strict";
  var script = document.currentScript;
  var jsqrUrl = script.dataset.jsqr;
  var dialog = document.getElementById("scanner");

  function codeOf(text) {
    var value = text.trim();
    if (value.indexOf("code=") < 0) return value;
    try {
      var found = new URL(value, window.location.href).searchParams.get("code");
      return found ? found.trim() : value;
    } catch (error) {
      return value;
    }
  }

  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector("input[name=q]");
    if (input && event.target.getAttribute("role") === "search") input.value = codeOf(input.value);
  }, true);

  var loading = null;
  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = jsqrUrl;
        tag.onload = function () { resolve(window.jsQR); };
        tag.onerror = reject;
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  async function reader() {
    if ("BarcodeDetector" in window) {
      try {
        var formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.indexOf("qr_code") >= 0) {
          var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return async function (video) {
            var codes = await detector.detect(video);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch (error) { /* no usable detector: jsQR below */ }
    }
    var jsQR = await loadJsQR();
    var canvas = document.createElement("canvas");
    return async function (video) {
      var width = video.videoWidth, height = video.videoHeight;
      if (!width || !height) return null;
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      var found = jsQR(context.getImageData(0, 0, width, height).data, width, height);
      return found ? found.data : null;
    };
  }

  async function scan(button) {
    var input = document.getElementById(button.dataset.scanFor);
    var video = dialog.querySelector("video");
    var status = dialog.querySelector("[data-status]");
    status.textContent = dialog.dataset.looking;
    dialog.showModal();
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      status.textContent = dialog.dataset.noCamera;
      return;
    }
    var stopped = false;
    function stop() {
      stopped = true;
      stream.getTracks().forEach(function (track) { track.stop(); });
      video.srcObject = null;
      if (dialog.open) dialog.close();
    }
    dialog.addEventListener("close", stop, { once: true });
    video.srcObject = stream;
    await video.play();
    var read = await reader();
    async function look() {
      if (stopped) return;
      var text = null;
      try { text = await read(video); } catch (error) { text = null; }
      if (text) {
        stop();
        input.value = codeOf(text);
        if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
        return;
      }
      window.setTimeout(look, 150);
    }
    look();
  }

  if (dialog && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    document.querySelectorAll("[data-scan-for]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { scan(button); });
    });
  }
})();
