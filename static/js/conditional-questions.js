// Shows only the questions of a registration form that apply: those asked of the
// chosen category (data-show-categories), and those shown when another answer has
// one of some values (data-show-when, data-show-values). Without JavaScript every
// question is shown with a note saying when to answer it, and the server drops the
// answers that do not apply; the notes are hidden here, as the form now says it.
(function () {
  var form = document.querySelector("form.registration-form");
  if (!form) return;
  var ruled = form.querySelectorAll("[data-show-categories], [data-show-when]");
  if (!ruled.length) return;

  function chosen(name) {
    var values = [];
    var inputs = form.elements[name];
    if (!inputs) return values;
    if (inputs.tagName === "SELECT") return inputs.value ? [inputs.value] : [];
    if (inputs.length === undefined) inputs = [inputs];
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      if (input.value) values.push(input.value);
    }
    return values;
  }

  function applies(element) {
    var categories = element.getAttribute("data-show-categories");
    if (categories && categories.split(" ").indexOf(chosen("category")[0] || "") === -1) {
      return false;
    }
    var governing = element.getAttribute("data-show-when");
    if (!governing) return true;
    var wanted = JSON.parse(element.getAttribute("data-show-values") || "[]");
    var answers = chosen(governing);
    // The governing question may itself be hidden (asked of other categories).
    var holder = form.querySelector('[data-question="' + governing + '"]');
    if (holder && holder.hidden) return false;
    return answers.some(function (value) { return wanted.indexOf(value) !== -1; });
  }

  function update() {
    // Twice: a question's visibility may depend on one shown or hidden in this pass.
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < ruled.length; i++) ruled[i].hidden = !applies(ruled[i]);
    }
  }

  var notes = form.querySelectorAll(".question-note");
  for (var i = 0; i < notes.length; i++) notes[i].hidden = true;
  form.addEventListener("change", update);
  update();
})();
