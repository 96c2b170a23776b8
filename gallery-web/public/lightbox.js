/* global document, navigator */
// The gallery lightbox. Served as a file (the Content-Security-Policy allows no inline script).
// Arrow keys, Esc, swipe on touch; each image shown is reported once to /view so the owner sees which images were looked at.
// Neighbours are not preloaded on purpose: fetching an image's large version counts as seeing it.
(function () {
  'use strict';
  var box = document.getElementById('lightbox');
  if (!box) return;
  var links = Array.prototype.slice.call(document.querySelectorAll('a.thumb'));
  var img = box.querySelector('.lb-image');
  var counter = box.querySelector('.lb-counter');
  var download = box.querySelector('.lb-download');
  var current = -1;
  var reported = {};
  var lastFocus = null;

  function report(link) {
    var url = link.getAttribute('data-view');
    if (!url || reported[url]) return;
    reported[url] = true;
    if (navigator.sendBeacon) navigator.sendBeacon(url);
    else fetch(url, { method: 'POST', credentials: 'same-origin', keepalive: true });
  }

  function show(index) {
    if (!links.length) return;
    current = (index + links.length) % links.length;
    var link = links[current];
    img.src = link.getAttribute('href');
    img.alt = (link.querySelector('img') || {}).alt || '';
    counter.textContent = current + 1 + ' / ' + links.length;
    if (download) download.setAttribute('href', link.getAttribute('data-download') || '#');
    report(link);
  }

  function open(index) {
    lastFocus = document.activeElement;
    box.hidden = false;
    document.body.classList.add('lightbox-open');
    show(index);
    box.querySelector('.lb-close').focus();
  }

  function close() {
    box.hidden = true;
    document.body.classList.remove('lightbox-open');
    img.removeAttribute('src');
    current = -1;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  links.forEach(function (link, index) {
    link.addEventListener('click', function (event) {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      open(index);
    });
  });
  box.querySelector('.lb-close').addEventListener('click', close);
  box.querySelector('.lb-prev').addEventListener('click', function () {
    show(current - 1);
  });
  box.querySelector('.lb-next').addEventListener('click', function () {
    show(current + 1);
  });
  box.addEventListener('click', function (event) {
    if (event.target === box) close();
  });
  document.addEventListener('keydown', function (event) {
    if (box.hidden) return;
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowRight') show(current + 1);
    else if (event.key === 'ArrowLeft') show(current - 1);
    else return;
    event.preventDefault();
  });

  var startX = null;
  var startY = null;
  box.addEventListener(
    'touchstart',
    function (event) {
      if (event.touches.length !== 1) return;
      startX = event.touches[0].clientX;
      startY = event.touches[0].clientY;
    },
    { passive: true },
  );
  box.addEventListener('touchend', function (event) {
    if (startX === null) return;
    var dx = event.changedTouches[0].clientX - startX;
    var dy = event.changedTouches[0].clientY - startY;
    startX = null;
    if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) show(current + (dx < 0 ? 1 : -1));
    else if (dy > 80 && Math.abs(dy) > Math.abs(dx)) close();
  });
})();
