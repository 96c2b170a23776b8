/* global document, window, navigator, XMLHttpRequest, FormData */
// The upload page's enhancement. Served as a file (the Content-Security-Policy allows no inline script).
// Without it the form still posts as plain multipart; with it: drag and drop, checks before anything
// is sent (the server checks again with the core's rules, which stay the source of truth), progress
// per file and in total, and the result shown in place.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Blob || !window.Blob.prototype.arrayBuffer) return;
  var config = JSON.parse(form.getAttribute('data-config'));
  var messages = config.messages;
  var input = document.getElementById('file-input');
  var zone = document.getElementById('drop-zone');
  var list = document.getElementById('file-list');
  var batchProblem = document.getElementById('batch-problem');
  var submit = document.getElementById('upload-button');
  var cancel = document.getElementById('cancel-button');
  var status = document.getElementById('upload-status');
  var progressBox = document.getElementById('upload-progress');
  var totalBar = document.getElementById('total-progress');
  var totalPercent = document.getElementById('total-percent');
  var removeAll = document.getElementById('remove-all');
  var entries = [];
  var nextId = 1;
  var request = null;

  form.classList.add('js');

  // The catalogue's own syntax, as core/messages.ts reads it: `{count|one:# photo|other:# photos}`
  // picks a form through Intl.PluralRules in the page's language, `{name}` is filled in.
  var pageLocale = document.documentElement.lang || 'en';
  function say(key, params) {
    var template = messages[key] || key;
    return template
      .replace(/\{(\w+)\|([^{}]+)\}/g, function (whole, name, forms) {
        if (!params || !(name in params)) return whole;
        var count = Number(params[name]);
        var chosen = {};
        forms.split('|').forEach(function (form) {
          var colon = form.indexOf(':');
          chosen[form.slice(0, colon)] = form.slice(colon + 1);
        });
        var form = chosen[new Intl.PluralRules(pageLocale).select(count)] || chosen.other || '';
        return form.replace(/#/g, new Intl.NumberFormat(pageLocale).format(count));
      })
      .replace(/\{(\w+)\}/g, function (whole, name) {
        return params && name in params ? String(params[name]) : whole;
      });
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return Math.round((bytes / (1024 * 1024)) * 10) / 10 + ' MB';
    if (bytes >= 1024) return Math.round(bytes / 1024) + ' KB';
    return bytes + ' B';
  }

  // The same signatures the core's format sniffer trusts; names and claimed types are only hints.
  function sniff(bytes) {
    function at(offset, text) {
      for (var i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
      return true;
    }
    if (bytes.length >= 8 && bytes[0] === 0x89 && at(1, 'PNG\r\n\u001a\n')) return 'png';
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
    if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
    if (bytes.length >= 12 && at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
    return null;
  }

  function check(entry) {
    var file = entry.file;
    if (file.size === 0) return Promise.resolve('EMPTY_FILE');
    if (file.size > config.maxBytes) return Promise.resolve('FILE_TOO_LARGE');
    return file
      .slice(0, 16)
      .arrayBuffer()
      .then(function (buffer) {
        return sniff(new Uint8Array(buffer)) ? null : 'UNSUPPORTED_FORMAT';
      })
      .catch(function () {
        return 'FILE_UNREADABLE';
      });
  }

  function addFiles(files) {
    if (request) return;
    Array.prototype.forEach.call(files, function (file) {
      var entry = { id: nextId++, file: file, checked: false, problem: null, state: 'ready', loaded: 0 };
      entries.push(entry);
      check(entry).then(function (problem) {
        entry.checked = true;
        entry.problem = problem;
        render();
      });
    });
    status.textContent = '';
    status.className = 'status';
    render();
  }

  function valid() {
    return entries.filter(function (entry) {
      return entry.checked && !entry.problem;
    });
  }

  function render() {
    list.textContent = '';
    entries.forEach(function (entry) {
      var row = document.createElement('li');
      row.className = 'file-row' + (entry.problem ? ' problem' : '') + (entry.state === 'done' ? ' done' : '');
      row.setAttribute('data-id', String(entry.id));
      if (!entry.problem && entry.checked && window.URL && URL.createObjectURL) {
        // A preview of the picked file itself (an object URL: nothing is sent to see it).
        if (!entry.preview) entry.preview = URL.createObjectURL(entry.file);
        var thumb = document.createElement('img');
        thumb.className = 'file-thumb';
        thumb.src = entry.preview;
        thumb.alt = '';
        thumb.decoding = 'async';
        row.appendChild(thumb);
        row.classList.add('with-thumb');
      }
      var name = document.createElement('span');
      name.className = 'file-name';
      name.textContent = entry.file.name;
      var size = document.createElement('span');
      size.className = 'file-size';
      size.textContent = formatSize(entry.file.size);
      var note = document.createElement('span');
      note.className = 'file-note';
      if (entry.problem) {
        note.textContent = say(entry.problem);
        note.setAttribute('role', 'alert');
      } else if (entry.state === 'done') note.textContent = say('upload.fileDone');
      else if (entry.checked) note.textContent = say('upload.fileReady');
      row.appendChild(name);
      row.appendChild(size);
      row.appendChild(note);
      if (!entry.problem) {
        var bar = document.createElement('progress');
        bar.max = 100;
        bar.value = entry.file.size ? Math.round((entry.loaded / entry.file.size) * 100) : 0;
        entry.bar = bar;
        row.appendChild(bar);
      }
      if (!request && entry.state !== 'done') {
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'remove';
        remove.textContent = say('upload.remove');
        remove.setAttribute('aria-label', say('upload.remove') + ': ' + entry.file.name);
        remove.addEventListener('click', function () {
          forget(entry);
          entries = entries.filter(function (other) {
            return other !== entry;
          });
          render();
        });
        row.appendChild(remove);
      }
      list.appendChild(row);
    });
    var ready = valid();
    var pending = entries.some(function (entry) {
      return !entry.checked;
    });
    var problems = entries.some(function (entry) {
      return entry.problem;
    });
    var lines = [];
    if (ready.length > config.maxFiles)
      lines.push(say('upload.tooMany', { count: ready.length, limit: config.maxFiles }));
    if (problems && ready.length) lines.push(say('upload.skipped'));
    if (form.classList.contains('finished')) lines = [];
    batchProblem.textContent = lines.join(' ');
    batchProblem.hidden = lines.length === 0;
    removeAll.hidden = !!request || entries.length < 2 || form.classList.contains('finished');
    submit.disabled = !!request || pending || ready.length === 0 || ready.length > config.maxFiles;
  }

  function forget(entry) {
    if (entry.preview) URL.revokeObjectURL(entry.preview);
    entry.preview = null;
  }

  function setTotal(percent) {
    totalBar.value = percent;
    totalPercent.textContent = percent + ' %';
  }

  function upload() {
    var files = valid();
    if (!files.length) {
      status.textContent = say('upload.noFiles');
      status.className = 'status error';
      return;
    }
    var data = new FormData(form);
    data.delete('files');
    // The checkbox sends nothing when unticked; say it plainly.
    data.set('downloads', form.querySelector('input[type=checkbox][name=downloads]').checked ? 'on' : 'off');
    // Before the files, so the server can refuse too many without reading any.
    data.set('fileCount', String(files.length));
    files.forEach(function (entry) {
      data.append('files', entry.file, entry.file.name);
    });
    var sizes = files.reduce(function (sum, entry) {
      return sum + entry.file.size;
    }, 0);

    request = new XMLHttpRequest();
    request.open('POST', form.getAttribute('action'));
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('X-CSRF-Token', config.csrf);
    request.upload.addEventListener('progress', function (event) {
      if (!event.lengthComputable) return;
      // The fields and part headers come first and are small: count them before the first file.
      var offset = Math.max(0, event.total - sizes);
      files.forEach(function (entry) {
        entry.loaded = Math.min(entry.file.size, Math.max(0, event.loaded - offset));
        offset += entry.file.size;
        if (entry.bar) entry.bar.value = entry.file.size ? Math.round((entry.loaded / entry.file.size) * 100) : 100;
      });
      setTotal(Math.floor((event.loaded / event.total) * 100));
      status.textContent = say('upload.progress', { percent: totalBar.value });
    });
    request.upload.addEventListener('load', function () {
      files.forEach(function (entry) {
        entry.loaded = entry.file.size;
        if (entry.bar) entry.bar.value = 100;
      });
      setTotal(100);
      status.textContent = say('upload.processing');
    });
    request.addEventListener('load', function () {
      var answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = null;
      }
      var ok = request.status === 201 && answer && answer.gallery;
      finish();
      if (ok) showResult(answer, files);
      else showError(answer, files);
    });
    request.addEventListener('error', function () {
      finish();
      showError(null, files);
    });
    request.addEventListener('abort', function () {
      finish();
      files.forEach(function (entry) {
        entry.loaded = 0;
      });
      setTotal(0);
      progressBox.hidden = true;
      status.textContent = say('upload.cancelled');
      status.className = 'status';
      render();
    });
    progressBox.hidden = false;
    setTotal(0);
    cancel.hidden = false;
    status.className = 'status';
    status.textContent = say('upload.progress', { percent: 0 });
    request.send(data);
    render();
  }

  function finish() {
    request = null;
    cancel.hidden = true;
  }

  function showError(answer, files) {
    status.className = 'status error';
    status.textContent = answer && answer.error ? answer.error.message : say('upload.failed');
    files.forEach(function (entry) {
      entry.loaded = 0;
    });
    if (answer && answer.rejected) {
      answer.rejected.forEach(function (item) {
        files.forEach(function (entry) {
          if (entry.file.name === item.file) {
            entry.problem = 'rejected-' + entry.id;
            messages[entry.problem] = item.message;
          }
        });
      });
    }
    render();
  }

  function showResult(answer, files) {
    var rejectedNames = {};
    (answer.rejected || []).forEach(function (item) {
      rejectedNames[item.file] = item.message;
    });
    files.forEach(function (entry) {
      if (entry.file.name in rejectedNames) {
        entry.problem = 'rejected-' + entry.id;
        messages[entry.problem] = rejectedNames[entry.file.name];
      } else entry.state = 'done';
    });
    form.classList.add('finished');
    render();
    Array.prototype.forEach.call(list.querySelectorAll('.remove'), function (button) {
      button.remove();
    });
    Array.prototype.forEach.call(form.elements, function (element) {
      element.disabled = true;
    });
    var result = document.getElementById('result');
    document.getElementById('share-link').value = answer.gallery.url;
    document.getElementById('share-open').href = answer.gallery.url;
    remember({
      url: answer.gallery.url,
      manageUrl: answer.manageUrl,
      title: answer.gallery.title || '',
      count: files.length,
      at: new Date().toISOString(),
    });
    document.getElementById('manage-link').value = answer.manageUrl;
    document.getElementById('manage-open').href = answer.manageUrl;
    var qr = document.getElementById('qr-image');
    qr.src = answer.qr.svg;
    var png = document.getElementById('qr-png');
    png.href = answer.qr.png;
    png.setAttribute('download', 'maiimg-' + answer.gallery.slug + '.png');
    var svg = document.getElementById('qr-svg');
    svg.href = answer.qr.svg;
    svg.setAttribute('download', 'maiimg-' + answer.gallery.slug + '.svg');
    var rejectedBox = document.getElementById('result-rejected');
    rejectedBox.textContent = '';
    if (answer.rejected && answer.rejected.length) {
      var listOut = document.createElement('ul');
      answer.rejected.forEach(function (item) {
        var line = document.createElement('li');
        line.setAttribute('data-code', item.code);
        line.textContent = say('gallery.rejectedLine', { file: item.file, reason: item.message });
        listOut.appendChild(line);
      });
      rejectedBox.appendChild(listOut);
      rejectedBox.hidden = false;
    }
    status.textContent = '';
    result.hidden = false;
    result.scrollIntoView({ behavior: 'smooth', block: 'start' });
    var shareField = document.getElementById('share-link');
    shareField.focus();
    // Show where the link starts (the site's address), not its end.
    shareField.setSelectionRange(0, 0);
    shareField.scrollLeft = 0;
  }

  // "My galleries in this browser": the manage links of galleries made here, kept in localStorage
  // only (this site has no accounts), so a person can find them again; "Forget" removes them.
  var STORE_KEY = 'maiimg.myGalleries';
  function stored() {
    try {
      var list = JSON.parse(window.localStorage.getItem(STORE_KEY) || '[]');
      return Array.isArray(list) ? list : [];
    } catch (error) {
      return [];
    }
  }
  function store(list) {
    try {
      if (list.length) window.localStorage.setItem(STORE_KEY, JSON.stringify(list));
      else window.localStorage.removeItem(STORE_KEY);
    } catch (error) {
      // Storage full or turned off: the result on screen still has the links.
    }
    showMine();
  }
  function remember(item) {
    store(
      [item].concat(
        stored().filter(function (other) {
          return other.url !== item.url;
        }),
      ),
    );
  }
  function showMine() {
    var section = document.getElementById('my-galleries');
    var out = document.getElementById('my-galleries-list');
    if (!section || !out) return;
    var list = stored();
    out.textContent = '';
    list.forEach(function (item) {
      var line = document.createElement('li');
      var name = document.createElement('span');
      name.className = 'mine-title';
      var title = item.title || say('untitled');
      var when = item.at ? new Date(item.at) : null;
      name.textContent = title + (when && !isNaN(when) ? ' · ' + when.toLocaleDateString() : '');
      line.appendChild(name);
      [
        ['upload.mine.open', item.url],
        ['upload.mine.manage', item.manageUrl],
      ].forEach(function (pair) {
        var link = document.createElement('a');
        link.href = pair[1];
        link.rel = 'noopener noreferrer';
        link.textContent = say(pair[0]);
        line.appendChild(link);
      });
      var drop = document.createElement('button');
      drop.type = 'button';
      drop.className = 'link-button';
      drop.textContent = say('upload.mine.forget');
      drop.setAttribute('aria-label', say('upload.mine.forgetLabel', { title: title }));
      drop.addEventListener('click', function () {
        store(
          stored().filter(function (other) {
            return other.url !== item.url;
          }),
        );
      });
      line.appendChild(drop);
      out.appendChild(line);
    });
    section.hidden = list.length === 0;
  }
  document.getElementById('forget-all').addEventListener('click', function () {
    store([]);
  });
  var sheet = document.getElementById('share-sheet');
  if (navigator.share) {
    sheet.hidden = false;
    sheet.addEventListener('click', function () {
      navigator.share({ url: document.getElementById('share-link').value }).catch(function () {
        // Dismissed by the person: nothing to do.
      });
    });
  }
  removeAll.addEventListener('click', function () {
    entries.forEach(forget);
    entries = [];
    render();
  });
  showMine();

  function copy(button) {
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) return;
    function done() {
      button.textContent = say('upload.copied');
      setTimeout(function () {
        button.textContent = say('upload.copy');
      }, 2000);
    }
    function fallback() {
      field.select();
      try {
        if (document.execCommand('copy')) done();
      } catch (error) {
        // Nothing more to try: the text stays selected for the person to copy.
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(field.value).then(done, fallback);
    else fallback();
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-copy]');
    if (button) copy(button);
  });
  input.addEventListener('change', function () {
    addFiles(input.files);
    input.value = '';
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!request) upload();
  });
  cancel.addEventListener('click', function () {
    if (request) request.abort();
  });
  zone.addEventListener('dragover', function (event) {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', function () {
    zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', function (event) {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (event.dataTransfer && event.dataTransfer.files) addFiles(event.dataTransfer.files);
  });
  // A file dropped just beside the zone must not make the browser leave the page to show it.
  window.addEventListener('dragover', function (event) {
    event.preventDefault();
  });
  window.addEventListener('drop', function (event) {
    event.preventDefault();
  });
  render();
})();
