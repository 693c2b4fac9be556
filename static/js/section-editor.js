// The admin's section editor (places/section_editor.py): as a section's text is typed, its
// preview beside the box is rendered again by the server, as the page will show it, and the
// box grows with its text where the browser cannot size it by CSS (field-sizing: content).
(function () {
  "use strict";
  var WAIT_MS = 300; // after the last key, so that a fast typist sends one request, not ten
  var BOXES = "textarea[data-preview-url]";
  var timers = new WeakMap();
  var sent = new WeakMap(); // each box's latest request: older answers are dropped
  var sizedByCss = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  function grow(box) {
    if (sizedByCss) {
      return;
    }
    box.style.height = "auto";
    box.style.height = box.scrollHeight + (box.offsetHeight - box.clientHeight) + "px";
  }

  function csrfToken(box) {
    var field = box.form && box.form.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function refresh(box) {
    var editor = box.closest(".section-editor");
    var pane = editor.querySelector(".section-preview");
    var status = editor.querySelector(".section-preview-status");
    var request = {};
    sent.set(box, request);
    fetch(box.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(box) },
      body: new URLSearchParams({ body: box.value }),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (sent.get(box) === request) {
          pane.innerHTML = html; // sanitised by the server, as the page will show it
          status.textContent = "";
        }
      })
      .catch(function () {
        if (sent.get(box) === request) {
          status.textContent = box.dataset.previewError;
        }
      });
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(BOXES)) {
      return;
    }
    grow(box);
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(refresh, WAIT_MS, box));
  });

  document.querySelectorAll(BOXES).forEach(grow);
})();
