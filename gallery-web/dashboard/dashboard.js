/* global document, navigator, location */
// Owner dashboard: what plain HTML cannot do: copying the gallery link, and reading the dashboard in
// the owner's own time zone. The server counts days and hours (charts, filters) and writes times in
// the zone of the `maiimg_tz` cookie, or STATS_TIMEZONE without it; this script sets that cookie to
// the browser's zone on a first visit, and offers to switch between the two.
(function () {
  'use strict';
  var ZONE_COOKIE = 'maiimg_tz';
  var root = document.documentElement;
  var pageZone = root.getAttribute('data-zone');
  var defaultZone = root.getAttribute('data-default-zone');
  var browserZone = null;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    browserZone = null;
  }
  var chosen = document.cookie.split('; ').some(function (pair) {
    return pair.indexOf(ZONE_COOKIE + '=') === 0;
  });
  var choose = function (zone) {
    document.cookie =
      ZONE_COOKIE + '=' + encodeURIComponent(zone) + '; path=/dashboard; max-age=31536000; samesite=lax';
    location.reload();
  };
  if (pageZone && browserZone) {
    // First visit: the browser's zone, once (a zone the server refuses is not asked for again).
    if (!chosen && browserZone !== pageZone) return choose(browserZone);
    document.querySelectorAll('button[data-zone-set]').forEach(function (button) {
      var target = button.getAttribute('data-zone-set') === 'browser' ? browserZone : defaultZone;
      if (!target || target === pageZone) return;
      if (button.hasAttribute('data-label'))
        button.textContent = button.getAttribute('data-label').replace('{zone}', target);
      button.hidden = false;
      button.addEventListener('click', function () {
        choose(target);
      });
    });
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var field = document.getElementById(button.getAttribute('data-copy'));
      if (!field) return;
      var label = button.textContent;
      var done = function () {
        button.textContent = button.getAttribute('data-copied') || label;
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(field.value).then(done);
      else {
        field.select();
        document.execCommand('copy');
        done();
      }
    });
  });
})();
