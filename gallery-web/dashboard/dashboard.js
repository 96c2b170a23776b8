/* global document, navigator */
// Owner dashboard: the one thing plain HTML cannot do, copying the gallery link.
(function () {
  'use strict';
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
