/* The curators' review pages (archive/admin/review.py), without inline scripts:
   - a button with data-confirm asks first;
   - on a raw file's review page, j/k move between paragraphs and s/t/b/m/r press the
     focused paragraph's (or its article's) split/title/boilerplate/merge/reviewed button;
   - on an article's change page, selecting text in #quote-source fills the new quote's
     start and end (offsets in characters of the body, as Python counts them). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  function paras() { return Array.prototype.slice.call(document.querySelectorAll(".para")); }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var all = paras();
    if (!all.length) return;
    var current = document.activeElement && document.activeElement.closest ?
      document.activeElement.closest(".para") : null;
    var key = event.key;
    if (key === "j" || key === "k") {
      var at = current ? all.indexOf(current) : -1;
      var next = all[Math.max(0, Math.min(all.length - 1, at + (key === "j" ? 1 : -1)))];
      next.focus();
      next.scrollIntoView({ block: "center" });
      event.preventDefault();
      return;
    }
    if (!current) return;
    var scope = (key === "m" || key === "r") ? current.closest(".review-article") : current;
    var button = scope && scope.querySelector('button[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  function codePoints(text) { return Array.from(text).length; }

  document.addEventListener("selectionchange", function () {
    var source = document.getElementById("quote-source");
    if (!source) return;
    var selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!source.contains(range.startContainer) || !source.contains(range.endContainer)) return;
    var before = document.createRange();
    before.selectNodeContents(source);
    before.setEnd(range.startContainer, range.startOffset);
    var start = codePoints(before.toString());
    var end = start + codePoints(range.toString());
    document.getElementById("quote-start").value = start;
    document.getElementById("quote-end").value = end;
    document.getElementById("quote-preview").textContent = range.toString();
  });
})();
