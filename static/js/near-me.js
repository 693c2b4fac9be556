// "Near me": asks the browser for its position and opens the places nearest to it. Without
// this script, or without the visitor's permission, the form below the button does the same.
(function () {
  "use strict";
  var button = document.querySelector("[data-near-me]");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  var status = document.getElementById(button.getAttribute("aria-describedby"));
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var url = new URL(button.dataset.nearMe, window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(5));
        url.searchParams.set("lon", position.coords.longitude.toFixed(5));
        window.location.assign(url.href);
      },
      function () {
        status.textContent = button.dataset.refused;
      },
      { timeout: 15000, maximumAge: 60000 }
    );
  });
})();
