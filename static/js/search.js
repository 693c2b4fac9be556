// The header's search box: suggestions as the visitor types (the ARIA 1.2 combobox pattern,
// from /api/search/) and, where the browser can listen, a button to search by voice. The texts
// come translated from templates/includes/search_suggestions.html. Without this script the
// box is a plain form that opens the results page.
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var form = input && input.form;
  if (!form) {
    return;
  }

  // Suggestions.
  var list = document.getElementById("search-suggestions");
  var count = document.getElementById("search-count");
  var MIN_LENGTH = 2; // characters typed before suggestions are asked for
  var LIMIT = 8;
  var DELAY = 150; // ms without typing before asking
  var timer = 0;
  var controller = null; // the fetch under way, aborted by the next one
  var latest = 0; // the number of the latest request: earlier answers are ignored
  var options = [];
  var active = -1;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("autocomplete", "off");

  function setActive(index) {
    if (options[active]) {
      options[active].setAttribute("aria-selected", "false");
    }
    active = index;
    if (!options[active]) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function option(feature, index) {
    var p = feature.properties;
    var item = document.createElement("li");
    item.id = "search-option-" + index;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.dataset.url = p.url;
    item.appendChild(span("suggestion-name", p.name));
    if (p.matched && p.matched !== p.name) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(span("suggestion-matched", p.matched));
    }
    var about = [p.kind === "area" ? list.dataset.area : p.category, p.country];
    about = about.filter(Boolean).join(" · ");
    if (about) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(span("suggestion-about", about));
    }
    return item;
  }

  function show(features) {
    options = features.map(option);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.replaceChildren.apply(list, options);
    count.textContent = options.length
      ? list.dataset.count.replace("{count}", options.length)
      : list.dataset.none;
    if (options.length) {
      open();
    } else {
      close();
    }
  }

  function suggest() {
    var q = input.value.trim();
    var number = ++latest;
    if (controller) {
      controller.abort();
      controller = null;
    }
    if (q.length < MIN_LENGTH) {
      options = [];
      count.textContent = "";
      close();
      return;
    }
    var url = new URL(list.dataset.url, window.location.href);
    url.searchParams.set("q", q);
    url.searchParams.set("limit", LIMIT);
    controller = new AbortController();
    fetch(url.href, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("search answered " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (number === latest && document.activeElement === input) {
          show(answer.features);
        }
      })
      .catch(function () {
        if (number === latest) {
          close(); // the form still works: Enter opens the results page
        }
      });
  }

  function go(index) {
    window.location.assign(options[index].dataset.url);
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, DELAY);
  });

  input.addEventListener("keydown", function (event) {
    if (event.isComposing) {
      return; // the keys belong to an input method
    }
    var n = options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!n) {
        return;
      }
      event.preventDefault();
      if (list.hidden) {
        open();
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(active < 0 ? (step > 0 ? 0 : n - 1) : (active + step + n) % n);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        go(active);
      } // otherwise the form is sent: the results page
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (!list.hidden) {
        close();
      } else {
        window.clearTimeout(timer);
        ++latest;
        input.value = "";
        options = [];
        count.textContent = "";
      }
    }
  });

  input.addEventListener("blur", close);

  // A press on a suggestion keeps the focus in the box, then the click opens it.
  list.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  list.addEventListener("click", function (event) {
    var item = event.target.closest("[role=option]");
    if (item) {
      go(options.indexOf(item));
    }
  });

  // Voice search, where the browser has the Web Speech API.
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var voice = form.querySelector(".search-voice");
  if (!Recognition || !voice) {
    return;
  }
  var status = document.getElementById(voice.getAttribute("aria-describedby"));
  var recognition = null;
  voice.hidden = false;

  voice.addEventListener("click", function () {
    if (recognition) {
      recognition.abort(); // a second press stops listening
      return;
    }
    var heard = false;
    var failed = false;
    recognition = new Recognition();
    recognition.lang = document.documentElement.lang;
    recognition.interimResults = false;
    recognition.maxAlternatives = 1;
    recognition.onresult = function (event) {
      var transcript = event.results[0][0].transcript.trim();
      if (transcript) {
        heard = true;
        input.value = transcript;
        status.textContent = "";
        form.requestSubmit();
      }
    };
    recognition.onerror = function (event) {
      failed = true;
      if (event.error === "aborted") {
        status.textContent = "";
      } else if (event.error === "no-speech") {
        status.textContent = voice.dataset.nothingHeard;
      } else if (event.error === "not-allowed" || event.error === "service-not-allowed") {
        status.textContent = voice.dataset.notAllowed;
      } else {
        status.textContent = voice.dataset.failed;
      }
    };
    recognition.onend = function () {
      recognition = null;
      voice.setAttribute("aria-pressed", "false");
      if (!heard && !failed) {
        status.textContent = voice.dataset.nothingHeard;
      }
    };
    voice.setAttribute("aria-pressed", "true");
    status.textContent = voice.dataset.listening;
    try {
      recognition.start();
    } catch (error) {
      recognition = null;
      voice.setAttribute("aria-pressed", "false");
      status.textContent = voice.dataset.failed;
    }
  });
})();
