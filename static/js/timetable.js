// Drag-and-drop on the organisers' timetable. Dragging a session moves it to another
// time (15-minute steps) or room; dragging its lower edge changes its end. Each drop
// is posted to the same service the session form uses; if it is refused (a clash of
// revisions, a time that does not exist...), the session goes back and the reason
// is shown. Without JavaScript, each session is a link to its form.
// Right to left (an Arabic page), the grid's columns run from the right: the room under
// the pointer is found from the headers' boxes on screen, never from an x offset
// counted from the left, so both directions work alike.
(function () {
  "use strict";
  var grid = document.getElementById("timetable");
  if (!grid) return;
  var status = document.querySelector(".tt-status");
  var slot = parseInt(grid.dataset.slot, 10);
  var firstHour = parseInt(grid.dataset.firstHour, 10);
  var rows = parseInt(getComputedStyle(grid).getPropertyValue("--rows"), 10);
  var rooms = Array.prototype.map.call(grid.querySelectorAll(".tt-room"), function (el) {
    return el.dataset.roomId;
  });

  function toMinutes(hhmm) { var p = hhmm.split(":"); return parseInt(p[0], 10) * 60 + parseInt(p[1], 10); }
  function toHHMM(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }
  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }
  function rowHeight() {
    var cell = grid.querySelector(".tt-cell");
    return cell ? cell.getBoundingClientRect().height : 18;
  }
  function columnAt(x) {
    var headers = grid.querySelectorAll(".tt-room");
    for (var i = 0; i < headers.length; i++) {
      var box = headers[i].getBoundingClientRect();
      if (x >= box.left && x < box.right) return i;
    }
    return -1;
  }
  function place(el, column, startMin, endMin) {
    var startRow = (startMin - firstHour * 60) / slot + 2;
    var endRow = Math.max(startRow + 1, Math.ceil((endMin - firstHour * 60) / slot) + 2);
    el.style.gridColumn = String(column + 2);
    el.style.gridRow = startRow + " / " + endRow;
    el.classList.toggle("tt-short", endRow - startRow <= 2);  // as the page sets it
    // Into the time's <bdi dir="ltr">: 09:00–10:30 reads left to right in Arabic too.
    var time = el.querySelector(".tt-time bdi") || el.querySelector(".tt-time");
    time.textContent = toHHMM(startMin) + "–" + toHHMM(endMin);
  }

  grid.addEventListener("pointerdown", function (event) {
    var el = event.target.closest(".tt-session");
    if (!el || event.button !== 0) return;
    event.preventDefault();
    var resizing = event.target.classList.contains("tt-resize");
    var start = toMinutes(el.dataset.start), end = toMinutes(el.dataset.end);
    var column = Math.max(0, rooms.indexOf(el.dataset.roomId));
    var origin = { x: event.clientX, y: event.clientY, start: start, end: end, column: column };
    var moved = false, current = { start: start, end: end, column: column };
    el.setPointerCapture(event.pointerId);
    el.classList.add("dragging");

    function onMove(e) {
      var steps = Math.round((e.clientY - origin.y) / rowHeight());
      if (Math.abs(e.clientY - origin.y) > 3 || Math.abs(e.clientX - origin.x) > 3) moved = true;
      var lastMinute = firstHour * 60 + rows * slot;
      if (resizing) {
        current.end = Math.min(lastMinute, Math.max(origin.start + slot, origin.end + steps * slot));
      } else {
        var length = origin.end - origin.start;
        current.start = Math.min(lastMinute - length, Math.max(firstHour * 60, origin.start + steps * slot));
        current.end = current.start + length;
        var col = columnAt(e.clientX);
        if (col >= 0) current.column = col;
      }
      place(el, current.column, current.start, current.end);
    }
    function onUp() {
      el.removeEventListener("pointermove", onMove);
      el.removeEventListener("pointerup", onUp);
      el.classList.remove("dragging");
      if (!moved) { window.location.href = el.href; return; }
      if (current.start === origin.start && current.end === origin.end && current.column === origin.column) return;
      save(el, origin, current);
    }
    el.addEventListener("pointermove", onMove);
    el.addEventListener("pointerup", onUp);
  });
  // A drag must not also follow the link.
  grid.addEventListener("click", function (event) {
    // A keyboard "click" (detail 0) follows the link to the form as usual.
    if (event.target.closest(".tt-session") && event.detail !== 0) event.preventDefault();
  });

  function save(el, origin, current) {
    var url = grid.dataset.moveUrl.replace(/\/0\/move$/, "/" + el.dataset.sessionId + "/move");
    var day = grid.dataset.day;
    say(el.querySelector(".tt-title").textContent + " …");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": grid.dataset.csrf },
      body: JSON.stringify({
        start: day + "T" + toHHMM(current.start),
        end: day + "T" + toHHMM(current.end),
        room_id: rooms[current.column] || null,
        revision: parseInt(el.dataset.revision, 10)
      })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) throw new Error(result.body.error || "Error");
      el.dataset.revision = result.body.revision;
      el.dataset.start = toHHMM(current.start);
      el.dataset.end = toHHMM(current.end);
      el.dataset.roomId = rooms[current.column] || "";
      say(el.querySelector(".tt-title").textContent + " ✓");
    }).catch(function (error) {
      place(el, origin.column, origin.start, origin.end);
      say(error.message, true);
    });
  }
})();
