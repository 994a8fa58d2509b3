/**
 * The page's one script (issue 16), inlined and allowed by its sha256 in the Content-Security-Policy.
 * Hand-written against the DOM, no library: the figures are already SVG drawn at build time, so all the
 * script does is find the point under the pointer, fill a tooltip, toggle classes on existing marks and
 * draw a few overlay lines and small panels. A plotting library would add hundreds of kB to every report
 * and a second way of drawing the same figures.
 *
 * Rules it keeps: data comes only from the JSON blocks (never from the URL or the DOM's text); names and
 * paths reach the page only as textContent or through setAttribute on fixed attributes (src only with a
 * data:image/ URI, which the CSP's img-src data: allows and nothing else); no innerHTML, no eval.
 * Plain ES2017 in one IIFE, so the source is exactly what is hashed. It must not contain a closing script
 * tag or an HTML comment opener (explorer.ts checks), nor a backslash, backtick or dollar-brace (it is a
 * template literal).
 */
export const EXPLORER_SCRIPT = `(function () {
'use strict';
if (window.performance && performance.mark) performance.mark('explorer-start');
var dataEl = document.getElementById('explorer-data');
if (!dataEl) return;
var D = JSON.parse(dataEl.textContent);
var NS = 'http://www.w3.org/2000/svg';
var classes = D.classes;
var THUMBS = null;
var hl = -1;
var records = [];
var byId = {};
var tip = document.getElementById('explorer-tip');
var tipImg = tip.querySelector('img');
var tipTitle = tip.querySelector('.tip-title');
var tipPath = tip.querySelector('.tip-path');
var tipClass = tip.querySelector('.tip-class');
var tipPred = tip.querySelector('.tip-pred');
var tipExtra = tip.querySelector('.tip-extra');
var bar = document.getElementById('explorer-bar');

function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
function name(k) { return typeof k === 'number' && k >= 0 && k < classes.length ? String(classes[k]) : '—'; }
function fmt(v, d) { return typeof v === 'number' && isFinite(v) ? v.toFixed(d) : (v === null ? '∞' : '—'); }
function sigma(level) { var s = D.sigmas[level]; return typeof s === 'number' ? String(Number(s.toFixed(4))) : '?'; }
function thumbs() {
  if (THUMBS === null) {
    var t = document.getElementById('explorer-thumbs');
    THUMBS = (t && JSON.parse(t.textContent)) || [];
  }
  return THUMBS;
}
function thumb(row) {
  if (!D.thumbs) return '';
  var t = thumbs()[row];
  return typeof t === 'string' && t.indexOf('data:image/') === 0 ? t : '';
}
function pathOf(row) { return D.paths && typeof D.paths[row] === 'string' ? D.paths[row] : 'row ' + row; }
function predOf(level, row) {
  var p = D.pred && D.pred[level];
  return p && typeof p[row] === 'number' && p[row] >= 0 ? p[row] : -1;
}
function el(tag, attrs, parent, text) {
  var e = document.createElement(tag);
  for (var k in attrs) if (has(attrs, k)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function sv(tag, attrs, parent, text) {
  var e = document.createElementNS(NS, tag);
  for (var k in attrs) if (has(attrs, k)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
var firstRows = null;
function firstRowOf(k) {
  if (!D.labels) return -1;
  if (firstRows === null) {
    firstRows = {};
    for (var i = 0; i < D.labels.length; i++) if (!has(firstRows, D.labels[i])) firstRows[D.labels[i]] = i;
  }
  return has(firstRows, k) ? firstRows[k] : -1;
}

// ---- tooltip ----
function setImg(img, src) {
  if (src) { img.setAttribute('src', src); img.hidden = false; } else { img.removeAttribute('src'); img.hidden = true; }
}
function showTip(cx, cy, t) {
  setImg(tipImg, t.img || '');
  tipTitle.textContent = t.title || '';
  tipPath.textContent = t.path || '';
  tipClass.textContent = t.cls || '';
  tipPred.textContent = t.pred || '';
  tipExtra.textContent = t.extra || '';
  tip.hidden = false;
  var w = tip.offsetWidth, h = tip.offsetHeight;
  var x = cx + 16, y = cy + 16;
  if (x + w > window.innerWidth - 4) x = Math.max(4, cx - w - 16);
  if (y + h > window.innerHeight - 4) y = Math.max(4, cy - h - 16);
  tip.style.left = x + 'px';
  tip.style.top = y + 'px';
}
function hideTip() { tip.hidden = true; }

function imageTip(row, k, level, extra) {
  var p = predOf(level, row);
  return {
    img: thumb(row),
    title: 'σ = ' + sigma(level),
    path: pathOf(row),
    cls: 'class: ' + name(k),
    pred: 'predicted at σ = ' + sigma(level) + ': ' + (p < 0 ? '—' : name(p) + (p === k ? ' ✓' : ' ✗')),
    extra: extra || ''
  };
}
function tipFor(r, i) {
  var P = r.P;
  if (P.kind === 'map') {
    var level = P.levels ? P.levels[i] : P.level;
    return imageTip(P.rows[i], P.classes[i], level, r.id === 'map-umap-joint' ? (level === D.clean ? 'clean position' : 'noisy position') : '');
  }
  if (P.kind === 'topology') {
    var k = P.classes[i], lv = P.levels[i];
    var extra = 'H' + P.dim + ' bottleneck ' + fmt(P.distance[i], 4) + ', recall drop ' + fmt(P.drop[i], 3);
    var row = firstRowOf(k);
    if (row < 0) return { title: name(k) + ' at σ = ' + sigma(lv), cls: 'class: ' + name(k), pred: 'predicted: —', extra: extra };
    var t = imageTip(row, k, lv, extra + ' (first image of the class shown)');
    t.title = name(k) + ' at σ = ' + sigma(lv);
    return t;
  }
  var c = P.cycle[i];
  var cyc = c >= 0 ? D.cycles[P.level][c] : null;
  return {
    title: 'H1 bar at σ = ' + sigma(P.level),
    path: 'birth ' + fmt(P.birth[i], 4) + ', death ' + fmt(P.death[i], 4),
    cls: cyc ? 'persistence ' + fmt(cyc.persistence, 4) : '',
    pred: cyc ? 'click or Enter: its cycle of ' + cyc.images.length + ' images' : 'no representative cycle computed for this bar',
    extra: ''
  };
}

// ---- geometry ----
function toSvg(svg, cx, cy) {
  var m = svg.getScreenCTM();
  if (!m) return null;
  var inv = m.inverse();
  return { x: inv.a * cx + inv.c * cy + inv.e, y: inv.b * cx + inv.d * cy + inv.f, s: m.a };
}
function toScreen(svg, x, y) {
  var m = svg.getScreenCTM();
  return { x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f };
}
var CELL = 12;
function grid(r) {
  if (r.grid) return r.grid;
  var g = {}, P = r.P;
  for (var i = 0; i < P.x.length; i++) {
    if (typeof P.x[i] !== 'number' || typeof P.y[i] !== 'number') continue;
    var key = Math.floor(P.x[i] / CELL) + ',' + Math.floor(P.y[i] / CELL);
    (g[key] || (g[key] = [])).push(i);
  }
  r.grid = g;
  return g;
}
function nearest(r, x, y, rad) {
  var g = grid(r), P = r.P, best = -1, bd = rad * rad;
  var x0 = Math.floor((x - rad) / CELL), x1 = Math.floor((x + rad) / CELL);
  var y0 = Math.floor((y - rad) / CELL), y1 = Math.floor((y + rad) / CELL);
  for (var gx = x0; gx <= x1; gx++) for (var gy = y0; gy <= y1; gy++) {
    var list = g[gx + ',' + gy];
    if (!list) continue;
    for (var j = 0; j < list.length; j++) {
      var i = list[j], dx = P.x[i] - x, dy = P.y[i] - y, d = dx * dx + dy * dy;
      if (d <= bd) { bd = d; best = i; }
    }
  }
  return best;
}
function hitAt(r, cx, cy) {
  var p = toSvg(r.svg, cx, cy);
  if (!p) return -1;
  return nearest(r, p.x, p.y, 7 / (p.s || 1));
}
function step(r, key) {
  var P = r.P, i0 = r.cur, best = -1, bs = Infinity;
  var dir = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] }[key];
  for (var i = 0; i < P.x.length; i++) {
    if (i === i0 || typeof P.x[i] !== 'number' || typeof P.y[i] !== 'number') continue;
    var dx = P.x[i] - P.x[i0], dy = P.y[i] - P.y[i0];
    var along = dx * dir[0] + dy * dir[1], across = Math.abs(dx * dir[1] - dy * dir[0]);
    if (along <= 0 && !(along === 0 && across === 0 && i > i0)) continue;
    var s = along + 2 * across;
    if (s < bs) { bs = s; best = i; }
  }
  return best;
}

// ---- per-figure overlay ----
function setCurrent(r, i, cx, cy) {
  r.cur = i;
  var P = r.P;
  if (i < 0) { r.ring.setAttribute('visibility', 'hidden'); hideTip(); linkRow(-1); return; }
  r.ring.setAttribute('cx', P.x[i]);
  r.ring.setAttribute('cy', P.y[i]);
  r.ring.setAttribute('visibility', 'visible');
  if (cx === undefined) { var s = toScreen(r.svg, P.x[i], P.y[i]); cx = s.x; cy = s.y; }
  showTip(cx, cy, tipFor(r, i));
  linkRow(P.kind === 'map' ? P.rows[i] : -1, r);
}
function activate(r, i) {
  var P = r.P;
  if (i < 0) return;
  if (P.kind === 'diagram') showCycle(r, i);
  else toggle(P.classes[i]);
}
function setup(fig) {
  var id = fig.getAttribute('data-figure');
  if (!has(D.figs, id)) return;
  var svg = fig.querySelector('svg');
  if (!svg) return;
  var P = D.figs[id];
  var ov = sv('g', { 'class': 'explorer-overlay', 'pointer-events': 'none' }, svg);
  var r = { id: id, fig: fig, svg: svg, P: P, cur: -1, grid: null, rows: null };
  r.lines = sv('g', { 'class': 'overlay-lines' }, ov);
  r.hlg = sv('g', { 'class': 'overlay-hl' }, ov);
  r.link = sv('g', { 'class': 'overlay-link' }, ov);
  r.ring = sv('circle', { 'class': 'focus-ring', r: 5.5, fill: 'none', stroke: '#111', 'stroke-width': 1.6, visibility: 'hidden' }, ov);
  svg.setAttribute('tabindex', '0');
  svg.setAttribute('aria-describedby', 'explorer-tip');
  svg.addEventListener('pointermove', function (ev) {
    var i = hitAt(r, ev.clientX, ev.clientY);
    if (i !== r.cur || i >= 0) setCurrent(r, i, ev.clientX, ev.clientY);
  });
  svg.addEventListener('pointerleave', function () { setCurrent(r, -1); });
  svg.addEventListener('click', function (ev) {
    var i = hitAt(r, ev.clientX, ev.clientY);
    if (i >= 0) { ev.stopPropagation(); activate(r, i); }
  });
  svg.addEventListener('focus', function () {
    if (r.cur < 0) { for (var i = 0; i < P.x.length; i++) if (typeof P.x[i] === 'number' && typeof P.y[i] === 'number') { r.cur = i; break; } }
    if (r.cur >= 0) setCurrent(r, r.cur);
  });
  svg.addEventListener('blur', function (ev) {
    if (ev.target !== svg) return;
    r.ring.setAttribute('visibility', 'hidden'); hideTip(); linkRow(-1); });
  svg.addEventListener('keydown', function (ev) {
    if (ev.target !== svg) return;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft' || ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
      ev.preventDefault();
      if (r.cur >= 0) { var j = step(r, ev.key); if (j >= 0) setCurrent(r, j); }
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      activate(r, r.cur);
    }
  });
  records.push(r);
  byId[id] = r;
}

// The same image in every map: a small ring where the hovered row is, and its lines in the joint map.
function rowsIndex(r) {
  if (r.rows) return r.rows;
  var m = {}, P = r.P;
  for (var i = 0; i < P.rows.length; i++) (m[P.rows[i]] || (m[P.rows[i]] = [])).push(i);
  r.rows = m;
  return m;
}
function linkRow(row, from) {
  for (var q = 0; q < records.length; q++) {
    var r = records[q];
    if (r.P.kind !== 'map') continue;
    clear(r.link);
    if (row < 0) continue;
    var idx = rowsIndex(r)[row] || [];
    if (r.P.levels) drawMoves(r, r.link, [row], '#111', 1.4, 0.9);
    if (r === from && !r.P.levels) continue;
    for (var j = 0; j < idx.length; j++) {
      var i = idx[j];
      if (typeof r.P.x[i] !== 'number') continue;
      sv('circle', { cx: r.P.x[i], cy: r.P.y[i], r: 4, fill: 'none', stroke: '#111', 'stroke-width': 1.2 }, r.link);
    }
  }
}
// Joint map: from each row's clean position to each of its noisy positions.
function drawMoves(r, g, rows, color, width, opacity) {
  var P = r.P, ix = rowsIndex(r), d = [];
  for (var q = 0; q < rows.length; q++) {
    var pts = ix[rows[q]] || [], c = -1;
    for (var j = 0; j < pts.length; j++) if (P.levels[pts[j]] === D.clean) c = pts[j];
    if (c < 0 || typeof P.x[c] !== 'number') continue;
    for (j = 0; j < pts.length; j++) {
      var i = pts[j];
      if (i === c || typeof P.x[i] !== 'number') continue;
      d.push('M' + P.x[c] + ' ' + P.y[c] + 'L' + P.x[i] + ' ' + P.y[i]);
    }
  }
  if (d.length) sv('path', { d: d.join(''), fill: 'none', stroke: color, 'stroke-width': width, 'stroke-opacity': opacity, 'class': 'move' }, g);
}

// ---- class highlight across the page ----
function toggle(k) { setHighlight(k === hl ? -1 : k); }
function setHighlight(k) {
  hl = typeof k === 'number' && k >= 0 && k < classes.length ? k : -1;
  var old = document.querySelectorAll('.hl');
  for (var i = 0; i < old.length; i++) old[i].classList.remove('hl');
  var figsAll = document.querySelectorAll('[data-figure]');
  for (i = 0; i < figsAll.length; i++) figsAll[i].removeAttribute('data-highlight');
  for (i = 0; i < records.length; i++) { clear(records[i].hlg); clear(records[i].lines); }
  if (hl >= 0) {
    var sel = '[data-class="' + hl + '"]';
    var marked = document.querySelectorAll('.marks .mark' + sel + ', .legend-item' + sel + ', text' + sel + ', tr' + sel);
    for (i = 0; i < marked.length; i++) marked[i].classList.add('hl');
    var cells = document.querySelectorAll('g.cells[data-cols]');
    for (i = 0; i < cells.length; i++) {
      var cols = Number(cells[i].getAttribute('data-cols')), rects = cells[i].querySelectorAll('rect.mark');
      for (var j = 0; j < rects.length; j++) if (Math.floor(j / cols) === hl || j % cols === hl) rects[j].classList.add('hl');
    }
    for (i = 0; i < records.length; i++) {
      var r = records[i], P = r.P;
      if (P.kind === 'topology') {
        for (j = 0; j < P.x.length; j++)
          if (P.classes[j] === hl && typeof P.x[j] === 'number') sv('circle', { 'class': 'hl', cx: P.x[j], cy: P.y[j], r: 6.5, fill: 'none', stroke: '#111', 'stroke-width': 2 }, r.hlg);
      } else if (P.kind === 'map' && P.levels) {
        var rows = [];
        for (j = 0; j < P.rows.length; j++) if (P.classes[j] === hl && P.levels[j] === D.clean) rows.push(P.rows[j]);
        drawMoves(r, r.lines, rows, D.colors[hl] || '#111', 0.8, 0.55);
      }
    }
    for (i = 0; i < figsAll.length; i++) if (figsAll[i].querySelector('.hl')) figsAll[i].setAttribute('data-highlight', String(hl));
  }
  if (bar) {
    bar.hidden = hl < 0;
    bar.querySelector('.name').textContent = name(hl);
  }
  var pick = document.getElementById('class-pick');
  if (pick) pick.value = hl < 0 ? '' : String(hl);
  drill(hl);
}

document.addEventListener('click', function (ev) {
  var t = ev.target;
  if (!(t instanceof Element)) return;
  if (t.closest('#explorer-bar .clear')) { setHighlight(-1); return; }
  var cell = t.closest('g.cells[data-cols] rect.mark');
  if (cell) {
    var list = cell.parentNode.querySelectorAll('rect.mark');
    var cols = Number(cell.parentNode.getAttribute('data-cols'));
    toggle(Math.floor(Array.prototype.indexOf.call(list, cell) / cols));
    return;
  }
  var c = t.closest('[data-class]');
  if (c && !c.closest('select')) toggle(Number(c.getAttribute('data-class')));
});
document.addEventListener('keydown', function (ev) {
  if (ev.key === 'Escape') { hideTip(); setHighlight(-1); return; }
  var t = ev.target;
  if ((ev.key === 'Enter' || ev.key === ' ') && t instanceof Element && t.matches('.legend-item[data-class], button[data-class]')) {
    ev.preventDefault();
    toggle(Number(t.getAttribute('data-class')));
  }
});

// ---- cycle strip ----
function showCycle(r, i) {
  var P = r.P, strip = document.getElementById('cycle-strip');
  if (!strip) return;
  clear(strip);
  for (var q = 0; q < records.length; q++) if (records[q].P.kind === 'diagram') clear(records[q].hlg);
  sv('circle', { 'class': 'picked', cx: P.x[i], cy: P.y[i], r: 7, fill: 'none', stroke: '#d62f2f', 'stroke-width': 2 }, r.hlg);
  var c = P.cycle[i];
  var cyc = c >= 0 ? D.cycles[P.level][c] : null;
  strip.setAttribute('data-level', String(P.level));
  strip.setAttribute('data-bar', String(i));
  el('h3', {}, strip, 'H1 bar born ' + fmt(P.birth[i], 4) + ', dying ' + fmt(P.death[i], 4) + ' at σ = ' + sigma(P.level));
  if (!cyc) { el('p', { 'class': 'none' }, strip, 'No representative cycle was computed for this bar: the report has them for the most persistent H1 bars of each level (section 7).'); return; }
  if (!cyc.computed) { el('p', { 'class': 'none' }, strip, 'Representative not computed: ' + (cyc.reason || '')); return; }
  el('p', {}, strip, 'Its representative cycle, ' + cyc.images.length + ' images in order around the loop (persistence ' + fmt(cyc.persistence, 4) + '):');
  var ol = el('ol', { 'class': 'strip' }, strip);
  for (var j = 0; j < cyc.images.length; j++) {
    var im = cyc.images[j];
    var li = el('li', { 'data-row': im[0] }, ol);
    var src = thumb(im[0]);
    if (src) el('img', { alt: '', src: src }, li);
    el('span', { 'class': 'path' }, li, String(im[1]));
    el('span', { 'class': 'cls' }, li, String(im[2]));
  }
}

// ---- per-class drill-down ----
var DIMC = ['#1f5fbf', '#e8730c', '#2a9d3a', '#8a4fc7'];
function order() {
  var ix = D.sigmas.map(function (_, i) { return i; });
  return ix.sort(function (a, b) { return D.sigmas[a] - D.sigmas[b]; });
}
function miniDiagram(parent, flat, max, title) {
  var W = 190, H = 190, L = 34, T = 20, S = 140;
  var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': title, 'data-class-figure': 'diagram' }, parent);
  var full = max * 1.12, inf = max * 1.06;
  function X(v) { return L + (Math.min(v, full) / full) * S; }
  function Y(v) { return T + S - (Math.min(v, full) / full) * S; }
  sv('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }, svg);
  sv('text', { x: L, y: 13, 'font-size': 12, 'font-weight': 600, fill: '#222' }, svg, title);
  sv('rect', { x: L, y: T, width: S, height: S, fill: 'none', stroke: '#444' }, svg);
  sv('line', { x1: X(0), y1: Y(0), x2: X(full), y2: Y(full), stroke: '#888' }, svg);
  sv('line', { x1: L, y1: Y(inf), x2: L + S, y2: Y(inf), stroke: '#555', 'stroke-dasharray': '4 3' }, svg);
  sv('text', { x: L - 4, y: Y(inf) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#222' }, svg, '∞');
  [0, max / 2, max].forEach(function (v) {
    sv('text', { x: X(v), y: T + S + 13, 'text-anchor': 'middle', 'font-size': 9, fill: '#222' }, svg, v.toPrecision(2));
    sv('text', { x: L - 4, y: Y(v) + 3, 'text-anchor': 'end', 'font-size': 9, fill: '#222' }, svg, v.toPrecision(2));
  });
  sv('text', { x: L + S / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 10, fill: '#222' }, svg, 'birth → death');
  var counts = [];
  for (var dim = 0; dim < flat.length; dim++) {
    var pts = flat[dim], d = [];
    for (var i = 0; i + 1 < pts.length; i += 2) {
      var x = X(pts[i]), y = Y(pts[i + 1] === null ? inf : pts[i + 1]);
      d.push('M' + (x - 2.4).toFixed(1) + ' ' + y.toFixed(1) + 'a2.4 2.4 0 1 0 4.8 0a2.4 2.4 0 1 0 -4.8 0z');
    }
    counts.push('H' + dim + ' ' + pts.length / 2);
    if (d.length) sv('path', { 'class': 'dmark', 'data-dim': dim, d: d.join(''), fill: DIMC[dim % 4], 'fill-opacity': 0.7 }, svg);
  }
  sv('text', { x: L + S, y: 13, 'text-anchor': 'end', 'font-size': 9, fill: '#444' }, svg, counts.join(', '));
}
function recallChart(parent, k) {
  var ix = order(), W = 330, H = 190, L = 44, T = 12, PW = 260, PH = 140;
  var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': 'zero-shot recall of ' + name(k) + ' vs σ', 'data-class-figure': 'recall' }, parent);
  var lo = D.sigmas[ix[0]], hi = D.sigmas[ix[ix.length - 1]];
  var span = hi > lo ? hi - lo : 1;
  function X(s) { return L + (hi > lo ? ((s - lo) / span) * PW : PW / 2); }
  function Y(v) { return T + PH - v * PH; }
  sv('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }, svg);
  sv('rect', { x: L, y: T, width: PW, height: PH, fill: 'none', stroke: '#444' }, svg);
  [0, 0.5, 1].forEach(function (v) { sv('text', { x: L - 5, y: Y(v) + 3, 'text-anchor': 'end', 'font-size': 10, fill: '#222' }, svg, v.toFixed(1)); });
  var pts = [];
  ix.forEach(function (lv) {
    var z = D.zs[lv];
    sv('text', { x: X(D.sigmas[lv]), y: T + PH + 14, 'text-anchor': 'middle', 'font-size': 10, fill: '#222' }, svg, sigma(lv));
    if (!z) return;
    var v = z.recall[k];
    pts.push(X(D.sigmas[lv]).toFixed(1) + ',' + Y(v).toFixed(1));
    sv('circle', { 'class': 'dmark', cx: X(D.sigmas[lv]), cy: Y(v), r: 3.5, fill: '#1f5fbf' }, svg);
    sv('text', { x: X(D.sigmas[lv]) + 5, y: Y(v) - 5, 'font-size': 9, fill: '#222' }, svg, v.toFixed(2));
  });
  sv('polyline', { points: pts.join(' '), fill: 'none', stroke: '#1f5fbf', 'stroke-width': 2 }, svg);
  sv('text', { x: L + PW / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#222' }, svg, 'noise σ (zero-shot recall of the class)');
}
function classButton(parent, k, text) {
  var b = el('button', { type: 'button', 'class': 'cls-btn', 'data-class': k }, parent, name(k));
  if (text) parent.appendChild(document.createTextNode(' ' + text));
  return b;
}
function drill(k) {
  var box = document.getElementById('class-detail');
  if (!box) return;
  clear(box);
  box.setAttribute('data-class-shown', String(k));
  if (k < 0) { el('p', { 'class': 'none' }, box, 'No class picked.'); return; }
  el('h3', {}, box, name(k));
  el('h4', {}, box, 'Diagrams at every noise level');
  if (!D.cdg || !D.cdg[k]) el('p', { 'class': 'none' }, box, 'Per-class diagrams are not in this report (made without the explorer’s data); bar statistics per class are in tables/diagram_stats.csv.');
  else {
    var row = el('div', { 'class': 'grid3' }, box), max = 0;
    D.cdg[k].forEach(function (dims) { dims.forEach(function (f) { for (var i = 0; i < f.length; i++) if (f[i] !== null && f[i] > max) max = f[i]; }); });
    order().forEach(function (lv) { if (D.cdg[k][lv]) miniDiagram(row, D.cdg[k][lv], max || 1, 'σ = ' + sigma(lv)); });
  }
  el('h4', {}, box, 'Zero-shot recall against σ');
  if (!D.zs) el('p', { 'class': 'none' }, box, 'Zero-shot not computed in this run (no class prompts): no recall per class.');
  else recallChart(box, k);
  el('h4', {}, box, 'Nearest classes');
  var ang = D.angles.min_deg[k] || [], near = [];
  for (var j = 0; j < ang.length; j++) if (j !== k && typeof ang[j] === 'number') near.push(j);
  near.sort(function (a, b) { return ang[a] - ang[b]; });
  var p1 = el('p', { 'class': 'nearest' }, box, 'Smallest principal angle (σ = ' + String(D.angles.sigma) + '): ');
  if (!near.length) p1.appendChild(document.createTextNode('none (no angles for this class)'));
  near.slice(0, 5).forEach(function (j) { classButton(p1, j, ang[j].toFixed(1) + '°'); });
  var ul = el('ul', { 'class': 'confusions' }, box);
  if (!D.zs) el('li', { 'class': 'none' }, ul, 'Confusions: no zero-shot in this run.');
  else order().forEach(function (lv) {
    var z = D.zs[lv];
    if (!z) return;
    var rowc = z.confusion[k] || [], off = [];
    for (var j = 0; j < rowc.length; j++) if (j !== k && rowc[j] > 0) off.push(j);
    off.sort(function (a, b) { return rowc[b] - rowc[a] || a - b; });
    var li = el('li', {}, ul, 'σ = ' + sigma(lv) + ', most often taken for: ');
    if (!off.length) li.appendChild(document.createTextNode('nothing else'));
    off.slice(0, 3).forEach(function (j) { classButton(li, j, '(' + rowc[j] + ')'); });
  });
}

var figsAll = document.querySelectorAll('[data-figure]');
for (var i = 0; i < figsAll.length; i++) setup(figsAll[i]);
// Legend entries are the keyboard's class buttons (with the picker of section 13); table rows take clicks
// only, so that Tab does not walk through every row of every table.
var items = document.querySelectorAll('.legend-item[data-class]');
for (i = 0; i < items.length; i++) {
  items[i].setAttribute('tabindex', '0');
  items[i].setAttribute('role', 'button');
}
var pick = document.getElementById('class-pick');
if (pick) pick.addEventListener('change', function () { setHighlight(pick.value === '' ? -1 : Number(pick.value)); });
document.documentElement.setAttribute('data-explorer', 'ready');
// For bench/report: when the explorer was ready, on the page's own clock.
if (window.performance && performance.mark) performance.mark('explorer-ready');
})();
`;
