/* global document, navigator */
// Owner dashboard: what plain HTML cannot do: copying the gallery link, and showing the visit times
// in the owner's own time zone (the server writes them in STATS_TIMEZONE, and says so).
(function () {
  'use strict';
  var zone = null;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    zone = null;
  }
  if (zone) {
    document.querySelectorAll('time[datetime][data-locale]').forEach(function (node) {
      var at = new Date(node.getAttribute('datetime'));
      if (isNaN(at)) return;
      node.textContent = new Intl.DateTimeFormat(node.getAttribute('data-locale'), {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: zone,
      }).format(at);
    });
    document.querySelectorAll('[data-zone-label]').forEach(function (node) {
      node.textContent = node.getAttribute('data-zone-label').replace('{zone}', zone);
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
