// Choosing people by name on the compose page. Without JavaScript, the Find
// button posts the form and the page comes back with the matches to tick. With
// it, the matches come as the organiser types (the same list, from the same
// server search), and a person ticked moves up to those chosen, so that the next
// search, which replaces the matches, keeps them. A screen reader hears how many
// match; the focus stays on the box that was ticked.
(function () {
  "use strict";
  var input = document.getElementById("people_query");
  var matches = document.getElementById("people-matches");
  var chosen = document.getElementById("people-chosen");
  var status = document.getElementById("people-status");
  var find = document.getElementById("people-find");
  if (!input || !matches || !chosen || !status || !find || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var asked = 0;

  function alreadyChosen(id) {
    return Array.prototype.some.call(chosen.querySelectorAll("input[name=people]"), function (box) {
      return box.value === id;
    });
  }

  function show(html) {
    var found = new DOMParser().parseFromString(html, "text/html").body;
    // Those chosen already are listed above, ticked.
    found.querySelectorAll("li").forEach(function (item) {
      var box = item.querySelector("input[name=people]");
      if (box && alreadyChosen(box.value)) item.remove();
    });
    matches.replaceChildren.apply(matches, Array.from(found.childNodes));
    var count = matches.querySelector("#people-matches-count");
    status.textContent = count ? count.textContent.trim() : "";
  }

  function search(submitIfFailed) {
    var query = input.value.trim();
    var mine = ++asked;
    clearTimeout(timer);
    if (!query) {
      matches.replaceChildren();
      status.textContent = "";
      return;
    }
    fetch(input.dataset.url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      cache: "no-store"
    })
      .then(function (response) {
        // Signed out meanwhile: the answer is the sign-in page, not people.
        if (!response.ok || response.redirected) throw new Error("no answer");
        return response.text();
      })
      .then(function (html) {
        if (mine === asked) show(html);
      })
      .catch(function () {
        // The page's own way: post the form with the Find button.
        if (submitIfFailed) input.form.requestSubmit(find);
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(false); }, 250);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      search(true);
    }
  });
  find.addEventListener("click", function (event) {
    event.preventDefault();
    search(true);
  });
  matches.addEventListener("change", function (event) {
    var box = event.target;
    if (box.name !== "people" || !box.checked) return;
    chosen.appendChild(box.closest("li"));
    chosen.hidden = false;
    box.focus();
  });
})();
