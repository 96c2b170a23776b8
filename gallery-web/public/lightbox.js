/* global document, navigator, window, Image */
// The gallery lightbox. Served as a file (the Content-Security-Policy allows no inline script).
// Arrow keys, Esc, swipe on touch, pinch-zoom left to the browser; focus stays inside while open.
// A photo counts as seen when it is on screen: the view is reported once it has loaded, so
// preloading the neighbours (for instant next/previous) counts nothing.
(function () {
  'use strict';
  var box = document.getElementById('lightbox');
  if (!box) return;
  var links = Array.prototype.slice.call(document.querySelectorAll('a.thumb'));
  var img = box.querySelector('.lb-image');
  var counter = box.querySelector('.lb-counter');
  var caption = box.querySelector('.lb-caption');
  var download = box.querySelector('.lb-download');
  var current = -1;
  var reported = {};
  var preloaded = {};
  var lastFocus = null;

  function report(link) {
    var url = link.getAttribute('data-view');
    if (!url || reported[url]) return;
    reported[url] = true;
    if (navigator.sendBeacon) navigator.sendBeacon(url);
    else fetch(url, { method: 'POST', credentials: 'same-origin', keepalive: true });
  }

  function preload(index) {
    var link = links[(index + links.length) % links.length];
    var url = link.getAttribute('href');
    if (preloaded[url]) return;
    preloaded[url] = new Image();
    preloaded[url].decoding = 'async';
    preloaded[url].src = url;
  }

  // Counter, caption and download change together with the photo, once it has arrived.
  function shown(index) {
    var link = links[index];
    box.classList.remove('loading');
    counter.textContent = index + 1 + ' / ' + links.length;
    caption.textContent = link.getAttribute('data-caption') || '';
    if (download) {
      download.setAttribute('href', link.getAttribute('data-download') || '#');
      var size = link.getAttribute('data-size');
      download.textContent = size ? download.getAttribute('data-label').replace('{size}', size) : '';
    }
    report(link);
    if (links.length > 1) {
      preload(index + 1);
      preload(index - 1);
    }
  }

  function show(index) {
    if (!links.length) return;
    current = (index + links.length) % links.length;
    var link = links[current];
    var wanted = current;
    box.classList.add('loading');
    img.onload = function () {
      if (wanted === current) shown(wanted);
    };
    img.onerror = function () {
      box.classList.remove('loading');
    };
    img.alt = (link.querySelector('img') || {}).alt || '';
    img.src = link.getAttribute('href');
    if (img.complete && img.naturalWidth) shown(current);
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
    img.onload = null;
    img.removeAttribute('src');
    current = -1;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  function focusables() {
    return Array.prototype.slice.call(box.querySelectorAll('button, a[href]')).filter(function (el) {
      return el.offsetParent !== null || el === document.activeElement;
    });
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
    if (event.target === box || event.target.classList.contains('lb-stage')) close();
  });
  document.addEventListener('keydown', function (event) {
    if (box.hidden) return;
    if (event.key === 'Tab') {
      // Keep focus inside the dialog: wrap from the last control to the first and back.
      var items = focusables();
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && (document.activeElement === first || !box.contains(document.activeElement))) {
        last.focus();
        event.preventDefault();
      } else if (!event.shiftKey && (document.activeElement === last || !box.contains(document.activeElement))) {
        first.focus();
        event.preventDefault();
      }
      return;
    }
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowRight') show(current + 1);
    else if (event.key === 'ArrowLeft') show(current - 1);
    else return;
    event.preventDefault();
  });

  // Swipe with one finger when the page is not zoomed in; two fingers are the browser's pinch-zoom.
  function zoomed() {
    return window.visualViewport ? window.visualViewport.scale > 1.01 : false;
  }
  var startX = null;
  var startY = null;
  box.addEventListener(
    'touchstart',
    function (event) {
      if (event.touches.length !== 1 || zoomed()) {
        startX = null;
        return;
      }
      startX = event.touches[0].clientX;
      startY = event.touches[0].clientY;
    },
    { passive: true },
  );
  box.addEventListener('touchend', function (event) {
    if (startX === null || event.touches.length > 0 || zoomed()) return;
    var dx = event.changedTouches[0].clientX - startX;
    var dy = event.changedTouches[0].clientY - startY;
    startX = null;
    if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) show(current + (dx < 0 ? 1 : -1));
    else if (dy > 80 && Math.abs(dy) > Math.abs(dx)) close();
  });
})();
