// The section bar scrolls sideways on a phone: show the current section, and fade the edge
// while more sections are off screen (a static file, so the page's CSP needs no inline script).
(function () {
  "use strict";
  function setUp() {
    var list = document.querySelector(".site-nav ul");
    if (!list) {
      return;
    }
    var current = list.querySelector('a[aria-current="page"]');
    if (current && list.scrollWidth > list.clientWidth) {
      var item = current.parentElement;
      list.scrollLeft = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
    }
    function mark() {
      list.classList.toggle("more-left", list.scrollLeft > 4);
      list.classList.toggle("more-right", list.scrollLeft + list.clientWidth < list.scrollWidth - 4);
    }
    mark();
    list.addEventListener("scroll", mark, { passive: true });
    window.addEventListener("resize", mark);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
