// The desk's scan page: reads badges with the device camera (jsQR, served from
// static/vendor) or a keyboard-wedge scanner typing the badge URL into the field,
// and checks people in. Every scan gets its own id and waits in localStorage
// until the server has answered it, so scans made while the connection is down
// are sent when it returns, and a scan sent twice is recorded once.
// Without JavaScript the same page works as a search form with check-in buttons.
(function () {
  "use strict";
  var root = document.getElementById("desk-scan");
  if (!root) return;
  var texts = JSON.parse(document.getElementById("desk-texts").textContent);
  var checkInUrl = root.dataset.checkInUrl;
  var searchUrl = root.dataset.searchUrl;
  var queueKey = root.dataset.queueKey;
  var csrf = root.dataset.csrf;
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-input");
  var results = document.getElementById("search-results");
  var panel = document.getElementById("scan-result");
  var queueStatus = document.getElementById("queue-status");
  var lastQuery = input.value.trim();

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(queueKey, JSON.stringify(queue)); }
  function forget(scanId) {
    save(load().filter(function (item) { return item.scan_id !== scanId; }));
  }

  function enqueue(item) {
    item.scan_id = item.scan_id || newId();
    // Sent along, so that a scan kept while offline records when it was made.
    item.scanned_at = item.scanned_at || new Date().toISOString();
    var queue = load();
    if (!queue.some(function (q) { return q.scan_id === item.scan_id; })) queue.push(item);
    save(queue);
    flush();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // No answer of ours (a CSRF or sign-in problem, a server error): keep the scan.
      if (!json || response.status === 400 || response.status >= 500) {
        var failure = new Error("retry");
        // Sent to the sign-in page: the session is over.
        failure.expired = response.status === 400 || response.redirected;
        throw failure;
      }
      return response.json();
    });
  }

  var flushing = false;
  function flush() {
    if (flushing) return;
    var queue = load();
    showQueue(queue.length, null);
    if (!queue.length) return;
    flushing = true;
    var item = queue[0];
    queueStatus.textContent = texts.sending;
    post(checkInUrl, item).then(function (data) {
      forget(item.scan_id);
      flushing = false;
      show(data);
      if (item.participant_id && lastQuery) search(lastQuery);
      flush();
    }, function (error) {
      flushing = false;
      showQueue(load().length, error.expired ? texts.expired : null);
    });
  }

  // texts.queued: a form for each of CLDR's plural categories (zero, one, two, few,
  // many, other), chosen as the page's language says: 0 is "one" in French, 2 "two"
  // in Arabic, 5 "many" in Russian.
  var plurals = new Intl.PluralRules(document.documentElement.lang || "en");
  function counted(forms, count) {
    var form = forms[plurals.select(count)] || forms.other;
    return form.replace("{count}", count);
  }

  function showQueue(count, message) {
    queueStatus.textContent = message || (count ? counted(texts.queued, count) : "");
    queueStatus.className = "queue-status" + (count ? " queue-waiting" : "");
  }

  // Text in a <bdi>: what people wrote (a name, an organisation) keeps its own
  // direction, a Latin name in an Arabic page as an Arabic name in a French one.
  function isolated(text) {
    var bdi = document.createElement("bdi");
    bdi.textContent = text;
    return bdi;
  }
  // The parts, each isolated, separated by " · " in the page's direction.
  function showParts(element, parts) {
    element.textContent = "";
    parts.filter(Boolean).forEach(function (part, i) {
      if (i) element.appendChild(document.createTextNode(" · "));
      element.appendChild(isolated(part));
    });
  }

  function show(data) {
    panel.hidden = false;
    panel.className = "scan-result tone-" + (data.tone || "bad");
    document.getElementById("scan-message").textContent = data.message || "";
    var person = data.participant;
    var status = document.getElementById("scan-status");
    document.getElementById("scan-name").textContent = person ? person.name : "";
    showParts(document.getElementById("scan-detail"), person
      ? [person.full_name, person.delegation || texts.other, person.organisation,
         person.category, person.role]
      : []);
    status.textContent = person ? person.status_label : "";
    status.className = person ? "badge status-" + person.status : "badge";
    status.hidden = !person;
    remember(data);
    var undo = document.getElementById("scan-undo");
    undo.hidden = !(data.check_in && data.outcome === "checked_in");
    undo.dataset.url = data.check_in ? data.check_in.undo_url : "";
  }

  // The last ten answers, newest first, for a host who looked away.
  function remember(data) {
    var list = document.getElementById("recent");
    var item = document.createElement("li");
    item.className = "recent-" + (data.tone || "bad");
    if (data.participant) item.appendChild(isolated(data.participant.name));
    if (data.participant && data.message) item.appendChild(document.createTextNode(" — "));
    if (data.message) item.appendChild(document.createTextNode(data.message));
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 10) list.removeChild(list.lastChild);
    document.getElementById("recent-section").hidden = false;
  }

  document.getElementById("scan-undo").addEventListener("click", function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    post(button.dataset.url, {}).then(function (data) {
      button.disabled = false;
      show({tone: "warn", message: data.message});
    }, function () {
      button.disabled = false;
    });
  });

  function search(query) {
    lastQuery = query;
    fetch(searchUrl + "?q=" + encodeURIComponent(query), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) { results.innerHTML = html; }, function () {});
  }

  // A keyboard-wedge scanner types the badge's URL and presses Enter; a person
  // types a name. Anything with a slash is a scanned URL, as on the server.
  form.addEventListener("submit", function (event) {
    var value = input.value.trim();
    if (!value) return;
    event.preventDefault();
    if (value.indexOf("/") !== -1) {
      enqueue({code: value});
      input.value = "";
    } else {
      search(value);
    }
    input.focus();
  });

  // Check-in buttons of the search results: sent through the queue, with the id
  // the server put in the form (a double click is one check-in).
  results.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList.contains("check-in-form")) return;
    event.preventDefault();
    enqueue({participant_id: target.elements.participant_id.value, scan_id: target.elements.scan_id.value});
    input.focus();
  });

  window.addEventListener("online", flush);
  setInterval(function () { if (load().length) flush(); }, 5000);
  flush();

  // --- The camera -----------------------------------------------------------------
  var button = document.getElementById("camera-button");
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var context = canvas.getContext("2d", {willReadFrequently: true});
  var stream = null;
  var last = {text: "", at: 0};
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR)) return;
  button.hidden = false;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    button.textContent = texts.cameraStart;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      // A smaller picture decodes faster and a badge's code is large enough.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      var now = Date.now();
      // The same badge held in front of the camera is one scan, for 3 seconds.
      if (code && code.data && !(code.data === last.text && now - last.at < 3000)) {
        enqueue({code: code.data});
        if (navigator.vibrate) navigator.vibrate(80);
      }
      if (code && code.data) last = {text: code.data, at: now};
    }
    setTimeout(tick, 150);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        button.textContent = texts.cameraStop;
        queueStatus.textContent = texts.cameraOn;
        return video.play();
      })
      .then(tick, function () {
        stop();
        queueStatus.textContent = texts.cameraFailed;
      });
  });
})();
