// Added to every page before its own scripts (DevTools Page.addScriptToEvaluateOnNewDocument).
// textual-serve's page keeps its xterm.js Terminal in a closure; the first object that sets a
// `terminal` property to something with a screen buffer hands it over here, so a test reads what
// xterm.js holds for the screen (the cells it draws) and times a key to the first repaint that
// changed them.
(() => {
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
      if (value && value.buffer && typeof value.onRender === "function" && !window.__parallaxTerm) {
        window.__parallaxTerm = value;
        value.onRender(() => {
          const timing = window.__parallaxTiming;
          if (timing && timing.key !== null && timing.changed === null && cells() !== timing.before) {
            timing.changed = performance.now();
          }
        });
      }
    },
  });

  function lines() {
    const term = window.__parallaxTerm;
    if (!term) return null;
    const buffer = term.buffer.active;
    const out = [];
    for (let y = 0; y < term.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      out.push(line ? line.translateToString(true) : "");
    }
    return out;
  }

  // Characters and colours of every cell: a change of colour alone (a cursor moving) counts.
  function cells() {
    const term = window.__parallaxTerm;
    const buffer = term.buffer.active;
    const parts = [];
    for (let y = 0; y < term.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      if (!line) continue;
      for (let x = 0; x < term.cols; x++) {
        const cell = line.getCell(x);
        if (cell) parts.push(cell.getChars(), cell.getFgColor(), cell.getBgColor(), cell.isBold());
      }
    }
    return parts.join("\u0001");
  }

  window.__parallaxScreen = () => { const l = lines(); return l && l.join("\n"); };
  window.__parallaxSize = () => window.__parallaxTerm && [window.__parallaxTerm.cols, window.__parallaxTerm.rows];
  // Arm before a key: the next keydown is the start, the first repaint that changed a cell the end.
  window.__parallaxArm = () => { window.__parallaxTiming = {before: cells(), key: null, changed: null}; };
  window.__parallaxTimed = () => {
    const t = window.__parallaxTiming;
    return t && t.changed !== null ? t.changed - t.key : null;
  };
  // What the page wrote to the clipboard (xterm.js's OSC 52 handler calls writeText).
  window.__parallaxCopied = [];
  if (navigator.clipboard) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => { window.__parallaxCopied.push(text); return write(text).catch(() => {}); };
  }
  window.addEventListener("keydown", () => {
    const timing = window.__parallaxTiming;
    if (timing && timing.key === null) timing.key = performance.now();
  }, true);
})();
