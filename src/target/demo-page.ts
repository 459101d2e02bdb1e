/**
 * The page served at "/": the seed's demo (open it in several windows, curl /api, watch every
 * window update). Self-contained so it works with no network beyond the target itself.
 */

/** HTML of the demo page: an id/value table fed live by a WebSocket on /ws. */
export const DEMO_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsload demo target</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.3rem; margin-bottom: .2rem; }
  #status { font-weight: 600; }
  #status.open { color: #17803d; }
  #status.closed { color: #b42318; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { border: 1px solid #ccc; padding: .35rem .6rem; text-align: left; font-variant-numeric: tabular-nums; }
  th { background: #f3f3f3; }
  tr.flash td { background: #fff3b0; transition: background 0s; }
  td { transition: background 1s; }
  #empty td { color: #777; font-style: italic; }
  code { background: #f3f3f3; padding: 0 .25rem; }
  small { color: #666; }
</style>
</head>
<body>
<h1>wsload demo target</h1>
<p>WebSocket: <span id="status" class="closed">connecting…</span> <small id="count"></small></p>
<table id="values">
  <thead><tr><th>id</th><th>value</th><th>updated</th></tr></thead>
  <tbody><tr id="empty"><td colspan="3">no data yet</td></tr></tbody>
</table>
<p>Push a value to every open page: <code>curl "<span class="origin"></span>/api?id=8&amp;value=300"</code></p>
<script>
(function () {
  var tbody = document.querySelector('#values tbody');
  var status = document.getElementById('status');
  var count = document.getElementById('count');
  var origin = location.protocol + '//' + location.host;
  document.querySelectorAll('.origin').forEach(function (el) { el.textContent = origin; });
  var rows = {};
  var received = 0;
  var retryMs = 500;

  function setStatus(text, cls) { status.textContent = text; status.className = cls; }

  function show(id, value) {
    var empty = document.getElementById('empty');
    if (empty) empty.remove();
    var row = rows[id];
    if (!row) {
      row = document.createElement('tr');
      for (var i = 0; i < 3; i++) row.appendChild(document.createElement('td'));
      row.cells[0].textContent = id;
      rows[id] = row;
      var ids = Object.keys(rows).sort(function (a, b) {
        var na = Number(a), nb = Number(b);
        return isNaN(na) || isNaN(nb) ? (a < b ? -1 : a > b ? 1 : 0) : na - nb;
      });
      var next = rows[ids[ids.indexOf(id) + 1]];
      tbody.insertBefore(row, next || null);
    }
    row.cells[1].textContent = value;
    row.cells[2].textContent = new Date().toLocaleTimeString();
    row.classList.add('flash');
    setTimeout(function () { row.classList.remove('flash'); }, 50);
  }

  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () { retryMs = 500; setStatus('connected', 'open'); };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg !== 'object' || !('id' in msg)) return;
      received++;
      count.textContent = '(' + received + ' message' + (received === 1 ? '' : 's') + ')';
      show(String(msg.id), String(msg.value));
    };
    ws.onclose = function (ev) {
      setStatus('disconnected (code ' + ev.code + '), retrying…', 'closed');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }
  connect();
})();
</script>
</body>
</html>
`;
