// Fills "name as printed on the badge" from the given and family names while the
// person has not typed one of their own. Without JavaScript the server does it.
(function () {
  var given = document.getElementById("given_name");
  var family = document.getElementById("family_name");
  var badge = document.getElementById("badge_name");
  if (!given || !family || !badge) return;
  var suggested = (given.value + " " + family.value).trim();
  var edited = badge.value !== "" && badge.value !== suggested;
  function update() {
    if (edited) return;
    badge.value = (given.value.trim() + " " + family.value.trim()).trim();
  }
  badge.addEventListener("input", function () { edited = badge.value !== ""; });
  given.addEventListener("input", update);
  family.addEventListener("input", update);
  // The script is deferred: names typed before it ran are taken into account too.
  update();
})();
