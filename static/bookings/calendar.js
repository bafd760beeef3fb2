/* The front desk's calendar: drag a visit to another time or column.
   Progressive enhancement only: without this script every visit links to its panel and the
   move page, which do the same. A drop never moves anything by itself: it posts the new time
   to the move page, where the engine checks it and reception confirms. Loaded as a static file
   (the content security policy allows no inline script). */
(function () {
  "use strict";
  var form = document.getElementById("cal-move-form");
  var message = document.getElementById("cal-message");
  if (!form || !message) { return; }
  var taken = document.body.getAttribute("data-taken-message") ||
    (message.getAttribute("data-taken") || "That time is taken. Choose a free time.");
  var dragged = null;

  function say(text) {
    message.textContent = text;
    message.classList.add("shown");
  }

  document.querySelectorAll(".cal-block[draggable='true']").forEach(function (block) {
    block.addEventListener("dragstart", function (event) {
      dragged = block;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", block.getAttribute("data-visit"));
    });
    block.addEventListener("dragend", function () { dragged = null; });
  });

  function columnOf(element) {
    while (element && !(element.classList && element.classList.contains("cal-col"))) {
      element = element.parentNode;
    }
    return element;
  }

  document.querySelectorAll(".cal-col").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
    column.addEventListener("drop", function (event) {
      column.classList.remove("drop-target");
      if (!dragged) { return; }
      event.preventDefault();
      var target = event.target;
      var block = target.closest ? target.closest(".cal-block") : null;
      if (block && block !== dragged) { say(taken); return; }
      var cell = target.closest ? target.closest(".cal-cell") : null;
      if (!cell) {
        // Dropped on the visit itself or between rows: find the row under the pointer.
        var cells = column.querySelectorAll(".cal-cell");
        for (var i = 0; i < cells.length; i += 1) {
          var box = cells[i].getBoundingClientRect();
          if (event.clientY >= box.top && event.clientY < box.bottom) { cell = cells[i]; break; }
        }
      }
      if (!cell) { return; }
      if (!cell.classList.contains("free") && !cell.hasAttribute("data-open")) {
        say(message.getAttribute("data-closed") || taken);
        return;
      }
      var clinician = column.getAttribute("data-clinician") || dragged.getAttribute("data-clinician");
      form.action = dragged.getAttribute("data-move-url");
      form.elements.day.value = cell.getAttribute("data-day");
      form.elements.visit.value = clinician + "|" + cell.getAttribute("data-start");
      form.submit();
    });
  });
}());
