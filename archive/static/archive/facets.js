/* Phones start with the public list's filters folded (was an inline script in
   templates/_listing.html; the Content-Security-Policy allows scripts from here only). */
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 46rem)").matches) return;
  document.querySelectorAll("aside.facets > details").forEach(function (details) {
    details.open = false;
  });
})();
