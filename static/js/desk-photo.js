// The desk's "Take a photo" on a participant's page: the device's camera, shown in
// a frame of the passport shape (35:45); the frame's picture is drawn into a canvas
// cut to that shape, put into the page's file field as a JPEG and sent with the
// plain form. Without a camera (or JavaScript) the file field does the same; the
// server cuts and encodes every photo again either way (files.photo).
(function () {
  "use strict";
  var root = document.getElementById("desk-photo");
  if (!root) return;
  var form = document.getElementById("photo-form");
  var input = form.querySelector("input[type=file]");
  var start = document.getElementById("photo-camera");
  var panel = document.getElementById("photo-camera-panel");
  var video = document.getElementById("photo-video");
  var canvas = document.getElementById("photo-canvas");
  var shoot = document.getElementById("photo-shoot");
  var save = document.getElementById("photo-save");
  var again = document.getElementById("photo-again");
  var cancel = document.getElementById("photo-cancel");
  var status = document.getElementById("photo-status");
  var texts = JSON.parse(document.getElementById("photo-texts").textContent);
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
  if (!(window.DataTransfer && window.File && canvas.toBlob)) return;

  var RATIO = 35 / 45;
  var MAX_WIDTH = 420, MAX_HEIGHT = 540; // what badges print at most (files.PHOTO_MAX)
  var stream = null;
  start.hidden = false;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
  }

  function close() {
    stop();
    panel.hidden = true;
    start.hidden = false;
    start.focus();
  }

  function live() {
    canvas.hidden = true;
    video.hidden = false;
    shoot.hidden = false;
    save.hidden = true;
    again.hidden = true;
    shoot.focus();
  }

  start.addEventListener("click", function () {
    status.textContent = "";
    // The back camera if there is one (the host holds the device towards the
    // person); a laptop's only camera otherwise.
    navigator.mediaDevices.getUserMedia({video: {facingMode: {ideal: "environment"}}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        start.hidden = true;
        panel.hidden = false;
        live();
      })
      .catch(function () {
        stop();
        status.textContent = texts.denied;
        input.focus();
      });
  });

  // The largest centred box of the passport shape: what the frame shows of the
  // video (object-fit: cover), so the photo is what the host saw.
  shoot.addEventListener("click", function () {
    var width = video.videoWidth, height = video.videoHeight;
    if (!width || !height) return;
    var cropWidth = width, cropHeight = height;
    if (width / height > RATIO) cropWidth = height * RATIO;
    else cropHeight = width / RATIO;
    var scale = Math.min(1, MAX_WIDTH / cropWidth, MAX_HEIGHT / cropHeight);
    canvas.width = Math.round(cropWidth * scale);
    canvas.height = Math.round(cropHeight * scale);
    canvas.getContext("2d").drawImage(
      video, (width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight,
      0, 0, canvas.width, canvas.height
    );
    video.hidden = true;
    canvas.hidden = false;
    shoot.hidden = true;
    save.hidden = false;
    again.hidden = false;
    save.focus();
  });

  again.addEventListener("click", live);
  cancel.addEventListener("click", close);

  save.addEventListener("click", function () {
    save.disabled = true;
    canvas.toBlob(function (blob) {
      if (!blob) {
        save.disabled = false;
        return;
      }
      var files = new DataTransfer();
      files.items.add(new File([blob], "photo.jpg", {type: "image/jpeg"}));
      input.files = files.files;
      status.textContent = texts.sending;
      stop();
      form.submit();
    }, "image/jpeg", 0.92);
  });

  window.addEventListener("pagehide", stop);
})();
