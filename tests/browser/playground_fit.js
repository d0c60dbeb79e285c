// Are all of the playground's controls fully visible? Called with the root selector;
// returns {checked, controls, problems, width}. Used by test_course_in_browser.py.
(root) => {
  // Every control of the playground: its label, its input, a slider's track and value.
  const pg = document.querySelector(root);
  const view = window.__sl.scrollBox().getBoundingClientRect();
  const parts = [];
  const add = (el, control, what, text) => { if (el) parts.push({ el, control, what, text }); };
  const controls = pg.querySelectorAll(
    '.widget-slider, .widget-dropdown, .widget-checkbox, .widget-text');
  controls.forEach((c, i) => {
    const box = c.closest('.sl-control');
    const label = box ? box.querySelector('.sl-label') : null;
    const name = (label ? label.innerText : c.innerText).trim().slice(0, 60) || `control ${i}`;
    add(label, i, `${name}: label`, true);
    add(c.querySelector('select'), i, `${name}: dropdown`, false);
    add(c.querySelector('.noUi-target, .slider'), i, `${name}: slider track`, false);
    add(c.querySelector('.widget-readout'), i, `${name}: value`, true);
    add(c.querySelector('input[type=number]'), i, `${name}: number box`, false);
    if (c.matches('.widget-checkbox')) {
      add(c.querySelector('input'), i, `${name}: tick box`, false);
      const shown = Array.from(c.querySelectorAll('span, .widget-label'))
        .find(e => e.getBoundingClientRect().width > 0 && e.innerText.trim());
      add(shown, i, `${name}: label`, true);
    }
  });
  const problems = [];
  const clipped = (el, r) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1) return a.className || a.tagName;
      // a box that scrolls sideways hides part of what it holds (even by 2 px)
      if (st.overflowX !== 'visible' && st.overflowX !== 'clip' &&
          a.scrollWidth > a.clientWidth + 1 && a.closest(root) && !a.matches(root))
        return `${a.className || a.tagName} (scrolls sideways by ${a.scrollWidth - a.clientWidth} px)`;
    }
    return null;
  };
  const canvas = document.createElement('canvas').getContext('2d');
  for (const p of parts) {
    p.el.scrollIntoView({ block: 'center', inline: 'nearest' });
    const r = p.el.getBoundingClientRect();
    p.rect = r;
    if (r.width < 2 || r.height < 2) { problems.push(`${p.what}: not shown (${r.width}x${r.height})`); continue; }
    if (r.left < view.left - 1 || r.right > view.right + 1)
      problems.push(`${p.what}: outside the notebook (${Math.round(r.left)}-${Math.round(r.right)} px, notebook ${Math.round(view.left)}-${Math.round(view.right)})`);
    const by = clipped(p.el, r);
    if (by) problems.push(`${p.what}: cut by its container ${String(by).slice(0, 60)}`);
    if (p.text) {  // the text itself, not only its box: a first letter cut on the left
      const range = document.createRange();
      range.selectNodeContents(p.el);
      const t = range.getBoundingClientRect();
      const cut = t.width > 0 && (clipped(p.el.firstElementChild || p.el, t)
        || (getComputedStyle(p.el).overflowX !== 'visible'
            && (t.left < r.left - 0.5 || t.right > r.right + 0.5) && 'itself'));
      if (cut) problems.push(`${p.what}: its text is cut (by ${String(cut).slice(0, 60)})`);
    }
    if (p.text && p.el.scrollWidth > p.el.clientWidth + 1)
      problems.push(`${p.what}: text cut (${p.el.scrollWidth} px of text in ${p.el.clientWidth} px)`);
    if (p.what.endsWith('value') && !p.el.innerText.trim() && !(p.el.value || '').trim())
      problems.push(`${p.what}: the slider shows no value`);
    if (p.el.tagName === 'SELECT') {
      const st = getComputedStyle(p.el);
      canvas.font = `${st.fontSize} ${st.fontFamily}`;
      const longest = Math.max(...Array.from(p.el.options).map(o => canvas.measureText(o.text).width));
      if (longest + 24 > p.el.clientWidth)
        problems.push(`${p.what}: ${Math.round(p.el.clientWidth)} px wide, its longest choice needs ${Math.round(longest + 24)} px`);
    }
    // nothing drawn over it: the points a learner clicks or reads belong to the control
    for (const [x, y] of [[r.left + r.width / 2, r.top + r.height / 2], [r.right - 4, r.top + r.height / 2], [r.left + 3, r.top + r.height / 2]]) {
      const hit = document.elementFromPoint(x, y);
      if (hit && hit !== p.el && !p.el.contains(hit) && !hit.contains(p.el)) {
        problems.push(`${p.what}: covered at (${Math.round(x)}, ${Math.round(y)}) by ${hit.tagName}.${String(hit.className).slice(0, 40)}`);
        break;
      }
    }
  }
  // no two controls overlap (rects taken in one scroll position)
  pg.scrollIntoView({ block: 'start' });
  const rects = parts.map(p => p.el.getBoundingClientRect());
  for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
    if (parts[i].control === parts[j].control) continue;
    const a = rects[i], b = rects[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) problems.push(`${parts[i].what} overlaps ${parts[j].what} (${Math.round(w)}x${Math.round(h)} px)`);
  }
  return { checked: parts.length, controls: controls.length, problems,
           width: Math.round(view.width) };
}
