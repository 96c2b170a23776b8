/* global document */
// The password page's show/hide toggle (a file: the Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  var button = document.querySelector('button.reveal');
  var input = button && document.getElementById(button.getAttribute('aria-controls'));
  if (!input) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.setAttribute('aria-pressed', String(show));
    button.textContent = button.getAttribute(show ? 'data-hide' : 'data-show');
    input.focus();
  });
})();
