/* Drafts of the cycle's forms (issue 13: nothing typed is lost).
 *
 * A form with data-draft-url is saved as a draft on the server two seconds after typing
 * stops (the form's own CSRF token goes with it), and once more when the page is hidden.
 * Leaving the page with changes not saved by the form's own buttons asks first.
 * Without JavaScript the forms work as before: this only adds to them.
 */
(function () {
  'use strict';
  var DELAY = 2000;

  function fields(form) {
    var data = new FormData(form);
    var kept = new URLSearchParams();
    data.forEach(function (value, name) {
      if (typeof value === 'string' && name !== 'action') { kept.append(name, value); }
    });
    return kept;
  }

  function snapshot(form) {
    var params = fields(form);
    params.delete('csrf_token');
    params.delete('version');
    return params.toString();
  }

  function watch(form) {
    var url = form.getAttribute('data-draft-url');
    var status = form.querySelector('#draft-status') || document.getElementById('draft-status');
    var initial = snapshot(form);
    var saved = initial;
    var timer = null;
    var submitting = false;

    function say(text) { if (status) { status.textContent = text; } }

    function save(beacon) {
      timer = null;
      var current = snapshot(form);
      if (current === saved) { return; }
      var body = fields(form);
      if (beacon && navigator.sendBeacon) {
        if (navigator.sendBeacon(url, body)) { saved = current; }
        return;
      }
      form.setAttribute('data-draft-state', 'saving');
      fetch(url, {
        method: 'POST', body: body, credentials: 'same-origin',
        headers: {'Accept': 'application/json', 'X-Requested-With': 'fetch'}
      }).then(function (response) {
        return response.json().then(function (answer) { return [response, answer]; });
      }).then(function (pair) {
        var response = pair[0], answer = pair[1];
        if (response.ok) {
          saved = current;
          say(answer.message || '');
          form.setAttribute('data-draft-state', 'saved');
        } else {
          say((answer.error && answer.error.message) || '');
          form.setAttribute('data-draft-state', 'failed');
        }
      }).catch(function () {
        form.setAttribute('data-draft-state', 'failed');
      });
    }

    function changed() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, DELAY);
    }

    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    form.addEventListener('submit', function () {
      submitting = true;
      if (timer) { clearTimeout(timer); timer = null; }
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden' && timer && !submitting) {
        clearTimeout(timer);
        save(true);
      }
    });
    window.addEventListener('beforeunload', function (event) {
      if (submitting || snapshot(form) === initial) { return; }
      if (timer) { clearTimeout(timer); save(true); }
      event.preventDefault();
      event.returnValue = '';
    });
  }

  document.querySelectorAll('form[data-draft-url]').forEach(watch);
}());
