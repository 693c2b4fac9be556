// The gallery: each thumbnail opens its photo large in a <dialog>, with its caption and credit.
// Enter or Space opens, Left and Right move, Escape closes (focus goes back to the thumbnail);
// on a touch screen, a swipe moves. Without this script each thumbnail links to its large file.
(function () {
  "use strict";
  var root = document.querySelector("[data-gallery]");
  if (!root || typeof HTMLDialogElement !== "function") {
    return;
  }
  var links = Array.prototype.slice.call(root.querySelectorAll(".gallery-link"));
  var labels = root.dataset;
  var current = 0;

  function element(tag, className, text) {
    var made = document.createElement(tag);
    made.className = className;
    if (text) {
      made.textContent = text;
    }
    return made;
  }

  function button(className, text) {
    var made = element("button", className, text);
    made.type = "button";
    return made;
  }

  var dialog = element("dialog", "gallery-dialog");
  dialog.setAttribute("aria-label", labels.labelDialog);
  var frame = element("div", "gallery-frame");
  var close = button("gallery-close", labels.labelClose);
  var stage = element("div", "gallery-stage");
  var controls = element("div", "gallery-controls");
  var previous = button("gallery-previous", labels.labelPrevious);
  var next = button("gallery-next", labels.labelNext);
  var position = element("p", "gallery-position");
  position.setAttribute("aria-live", "polite");
  controls.append(previous, position, next);
  frame.append(close, stage, controls);
  dialog.append(frame);
  root.append(dialog);

  // The thumbnail's figure, its image at the dialog's width and loaded at once.
  function show(index) {
    current = (index + links.length) % links.length;
    var figure = links[current].closest("figure").cloneNode(true);
    var link = figure.querySelector(".gallery-link");
    link.replaceWith.apply(link, Array.prototype.slice.call(link.childNodes));
    figure.className = "gallery-large";
    figure.querySelectorAll("source, img").forEach(function (image) {
      if (image.hasAttribute("sizes")) {
        image.setAttribute("sizes", "(min-width: 64rem) 60rem, 100vw");
      }
      image.removeAttribute("loading");
    });
    stage.replaceChildren(figure);
    position.textContent = labels.labelPosition
      .replace("{number}", current + 1)
      .replace("{count}", links.length);
  }

  function open(index) {
    show(index);
    dialog.showModal();
    close.focus();
  }

  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      open(index);
    });
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") {  // a link opens with Enter only; a button with Space too
        event.preventDefault();
        open(index);
      }
    });
  });
  previous.addEventListener("click", function () {
    show(current - 1);
  });
  next.addEventListener("click", function () {
    show(current + 1);
  });
  close.addEventListener("click", function () {
    dialog.close();
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      show(current + (event.key === "ArrowRight" ? 1 : -1));
    }
  });
  // Escape, the close button or a click beside the photo: back to its thumbnail.
  dialog.addEventListener("close", function () {
    links[current].focus();
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) {
      dialog.close();
    }
  });

  var swipeStart = null;
  stage.addEventListener("pointerdown", function (event) {
    swipeStart = event.pointerType === "mouse" ? null : event.clientX;
  });
  stage.addEventListener("pointerup", function (event) {
    if (swipeStart === null) {
      return;
    }
    var moved = event.clientX - swipeStart;
    swipeStart = null;
    if (Math.abs(moved) > 40) {
      show(current + (moved < 0 ? 1 : -1));
    }
  });
})();
