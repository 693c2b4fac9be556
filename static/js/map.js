// The guide's maps, drawn with Leaflet (static/vendor/, from npm: `make vendor`).
//
// A public page's map: <div data-map="ID">, whose data (places.maps.places_map) is the JSON
// in <script id="ID" type="application/json">: a marker per place, linking to its page, the
// page's own place (or the position searched) marked apart, sights and towns by shape, with a
// legend; clusters when there are many. The admin's map picker: <div data-map-picker="ID">
// (places.maps.picker): a click or a drag of the marker sets the latitude and longitude
// fields, typing them moves the marker, pasting "49.679, 72.6855" into either fills both.
// Without this script, the pages' lists and the plain fields do the same work.
(function () {
  "use strict";

  // Marker sizes in pixels, as drawn by static/css/map.css.
  // Every marker is a touch target of 24 px (WCAG 2.5.8); the dot drawn inside is smaller
  // (map.css).
  var TARGET = 24;
  var PAIR = /^\s*([-+]?\d+(?:\.\d+)?)\s*(?:[,;]\s*|\s+)([-+]?\d+(?:\.\d+)?)\s*$/;

  function readData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function newMap(container, data) {
    container.textContent = ""; // the text shown without JavaScript
    var map = L.map(container, { scrollWheelZoom: false, zoomControl: false });
    L.control
      .zoom({ zoomInTitle: data.controls.zoomIn, zoomOutTitle: data.controls.zoomOut })
      .addTo(map);
    L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution,
      // The site's Referrer-Policy (same-origin) would send tile servers no referrer at all;
      // OpenStreetMap's tile usage policy asks for one. The origin alone is enough.
      referrerPolicy: "strict-origin-when-cross-origin",
    }).addTo(map);
    return map;
  }

  function icon(kind) {
    return L.divIcon({
      className: "map-marker map-marker-" + kind,
      html: "",
      iconSize: [TARGET, TARGET],
      popupAnchor: [0, -TARGET / 2],
    });
  }

  // The popup of a marker: the place's name, linking to its page, and its category. Names
  // are contributors' text: set as text, never as HTML.
  function popup(place) {
    var box = document.createElement("div");
    var name = document.createElement(place.url ? "a" : "strong");
    name.textContent = place.name;
    if (place.url) {
      name.href = place.url;
    }
    box.appendChild(name);
    if (place.category) {
      var category = document.createElement("div");
      category.className = "map-popup-category";
      category.textContent = place.category;
      box.appendChild(category);
    }
    return box;
  }

  function placeMarker(place, kind, label) {
    return L.marker([place.lat, place.lon], {
      icon: icon(kind),
      title: place.name === label ? label : place.name + " — " + label,
      riseOnHover: true,
    }).bindPopup(popup(place));
  }

  // The legend, in the map's corner: the kinds of marker this map shows.
  function legend(entries) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var list = L.DomUtil.create("ul", "map-legend");
      entries.forEach(function (entry) {
        var item = L.DomUtil.create("li", "", list);
        L.DomUtil.create("span", "map-marker map-marker-" + entry[0], item).setAttribute(
          "aria-hidden",
          "true"
        );
        item.appendChild(document.createTextNode(entry[1]));
      });
      L.DomEvent.disableClickPropagation(list);
      return list;
    };
    return control;
  }

  function showPlaces(container) {
    var data = readData(container.dataset.map);
    var map = newMap(container, data);
    var points = data.places.map(function (place) {
      return [place.lat, place.lon];
    });
    if (data.here) {
      points.push([data.here.lat, data.here.lon]);
    }
    // A view first: a cluster group places its markers for the map's zoom.
    if (points.length > 1) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView(points[0] || [0, 0], points.length ? 13 : 1);
    }
    var markers = data.places.map(function (place) {
      return placeMarker(place, place.kind, data.kinds[place.kind]);
    });
    var group = data.cluster
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
      : L.featureGroup();
    if (data.cluster) {
      group.addLayers(markers);
    } else {
      markers.forEach(function (marker) {
        group.addLayer(marker);
      });
    }
    map.addLayer(group);
    var entries = [];
    if (data.here) {
      // Never clustered, above the others.
      placeMarker(data.here, "here", data.here.label)
        .setZIndexOffset(1000)
        .addTo(map);
      entries.push(["here", data.here.label]);
    }
    Object.keys(data.kinds).forEach(function (kind) {
      if (
        data.places.some(function (place) {
          return place.kind === kind;
        })
      ) {
        entries.push([kind, data.kinds[kind]]);
      }
    });
    legend(entries).addTo(map);
  }

  function coordinate(text, limit) {
    var value = text.trim() === "" ? NaN : Number(text);
    return isFinite(value) && Math.abs(value) <= limit ? value : null;
  }

  function rounded(value) {
    return String(Number(value.toFixed(6))); // about 10 cm
  }

  function showPicker(container) {
    var data = readData(container.dataset.mapPicker);
    var latitude = document.getElementById(data.latitude);
    var longitude = document.getElementById(data.longitude);
    if (!latitude || !longitude) {
      return; // a contributor who may only view the place
    }
    var map = newMap(container, data);
    var marker = null;

    function typed() {
      var lat = coordinate(latitude.value, 90);
      var lon = coordinate(longitude.value, 180);
      return lat === null || lon === null ? null : L.latLng(lat, lon);
    }

    function put(point) {
      if (marker) {
        marker.setLatLng(point);
        return;
      }
      marker = L.marker(point, { icon: icon("here"), draggable: true, title: data.label });
      marker.on("dragend", function () {
        fill(marker.getLatLng());
      });
      marker.addTo(map);
    }

    function fill(point) {
      point = point.wrap();
      latitude.value = rounded(point.lat);
      longitude.value = rounded(point.lng);
      [latitude, longitude].forEach(function (field) {
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function follow() {
      var point = typed();
      if (point) {
        put(point);
        map.panTo(point);
      }
    }

    map.on("click", function (event) {
      put(event.latlng);
      fill(event.latlng);
    });
    [latitude, longitude].forEach(function (field) {
      field.addEventListener("input", follow);
      field.addEventListener("paste", function (event) {
        var pair = PAIR.exec(event.clipboardData.getData("text"));
        if (pair) {
          event.preventDefault();
          latitude.value = pair[1];
          longitude.value = pair[2];
          follow();
        }
      });
    });

    var start = typed();
    if (start) {
      map.setView(start, 13);
      put(start);
    } else {
      map.setView([20, 0], 2);
    }
  }

  function start() {
    document.querySelectorAll("[data-map]").forEach(showPlaces);
    document.querySelectorAll("[data-map-picker]").forEach(showPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start); // the admin loads it in the head
  } else {
    start();
  }
})();
