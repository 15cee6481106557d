// The registration form builder. On the list of questions: drag a question by its
// handle to move it; the new order (every question's id) is posted at once, and the
// question goes back if it is refused. On a question's page: only the settings of
// the chosen type, and only the answers of the question a condition looks at, are
// shown. Without JavaScript, the Up and Down buttons move questions and every
// setting is shown (those that do not apply to the type are ignored).
(function () {
  "use strict";

  // --- A question's page -------------------------------------------------------------
  var question = document.getElementById("question-form");
  if (question) {
    var type = question.querySelector("select[name=type]");
    var condition = question.querySelector("select[name=condition_question_id]");
    var showType = function () {
      question.querySelectorAll("[data-types]").forEach(function (el) {
        el.hidden = el.dataset.types.split(" ").indexOf(type.value) < 0;
      });
    };
    var showCondition = function () {
      question.querySelectorAll("[data-condition]").forEach(function (el) {
        el.hidden = !condition || el.dataset.condition !== condition.value;
      });
    };
    if (type) { type.addEventListener("change", showType); showType(); }
    if (condition) { condition.addEventListener("change", showCondition); }
    showCondition();
  }

  // --- The list of questions -----------------------------------------------------------
  var form = document.getElementById("form-builder");
  if (!form) return;
  var list = form.querySelector(".fb-list");
  var status = form.querySelector(".fb-status");
  var dragged = null;
  var before = null;  // the order before the drag, to go back to

  function items() { return Array.prototype.slice.call(list.children); }
  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("field-error", !!isError);
  }
  function regroup() {
    // Questions after a section heading are shown under it.
    var inSection = false;
    items().forEach(function (li) {
      if (li.classList.contains("fb-section")) inSection = true;
      else li.classList.toggle("fb-in-section", inSection);
    });
  }

  items().forEach(function (li) {
    var handle = li.querySelector(".fb-handle");
    handle.hidden = false;
    // Only the handle starts a drag: text in the item stays selectable.
    handle.addEventListener("mousedown", function () { li.draggable = true; });
    li.addEventListener("dragstart", function (event) {
      dragged = li;
      before = items();
      li.classList.add("fb-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.dataset.id);
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("fb-dragging");
      li.draggable = false;
      if (!dragged) return;
      dragged = null;
      var changed = items().some(function (el, n) { return el !== before[n]; });
      if (changed) save();
    });
  });

  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var target = event.target.closest(".fb-item");
    if (!target || target === dragged) return;
    var box = target.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? target.nextSibling : target);
    regroup();
  });
  list.addEventListener("drop", function (event) { event.preventDefault(); });

  function putBack() {
    before.forEach(function (li) { list.appendChild(li); });
    regroup();
  }

  function save() {
    var previous = before;
    say(form.dataset.saving);
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      body: new FormData(form)  // the CSRF token and every id, in the new order
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) throw new Error(result.body.error || form.dataset.failed);
      say(result.body.message);
    }).catch(function (error) {
      before = previous;
      putBack();
      say(error.message || form.dataset.failed, true);
    });
  }
})();
