// @ts-check
/**
 * Sizes the iframes of "Linear attention, live" widgets to their content. Load it once, anywhere on
 * the host page, as an ordinary script (no inline script, no CORS needed):
 *
 *   <script src="https://<host>/embed/frames.js" defer></script>
 *   <iframe src="https://<host>/embed/la-race.html?tokens=8192" title="The race"
 *           style="width: 100%; height: 640px; border: 0" loading="lazy"></iframe>
 *
 * Each embed page posts `{ type: 'la-embed:size', widget, id, height }` to its parent whenever its
 * height changes; this script sets the height of the iframe that sent it (found by its window, so
 * other frames on the page cannot resize it) and asks every frame for its height once it loads.
 * It also tells each frame the host's theme (`<html data-theme="light|dark">`, or none), when the
 * frame first reports and whenever the attribute changes, as `{ type: 'la-embed:theme', theme }`:
 * frames left on `theme=auto` follow it.
 * It sets `style.height` through the CSSOM, which a Content-Security-Policy without
 * 'unsafe-inline' allows. The message names are kept in step with site/embed/frame-protocol.ts.
 */
(function () {
  'use strict';
  var SIZE = 'la-embed:size';
  var REQUEST = 'la-embed:request-size';
  var THEME = 'la-embed:theme';
  var MAX_HEIGHT = 20000;
  var flag = '__laEmbedFrames';
  /** @type {Record<string, unknown>} */
  var globals = /** @type {any} */ (window);
  if (globals[flag]) return; // loaded twice: the first copy does the work
  globals[flag] = true;

  /** @param {MessageEventSource | null} source */
  function frameOf(source) {
    if (!source) return null;
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame && frame.contentWindow === source) return frame;
    }
    return null;
  }

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || typeof data !== 'object' || data.type !== SIZE) return;
    var height = Number(data.height);
    if (!Number.isFinite(height) || height < 0) return;
    var frame = frameOf(event.source);
    if (!frame) return;
    frame.style.height = Math.min(Math.ceil(height), MAX_HEIGHT) + 'px';
    frame.setAttribute('data-la-embed-height', String(Math.ceil(height)));
    var theme = hostTheme();
    if (frame.getAttribute('data-la-embed-theme') !== String(theme)) sendTheme(frame, theme);
  });

  /** The host's theme: "light" or "dark" from <html data-theme>, else null. */
  function hostTheme() {
    var value = document.documentElement.getAttribute('data-theme');
    return value === 'light' || value === 'dark' ? value : null;
  }

  /**
   * @param {HTMLIFrameElement} frame
   * @param {string | null} theme
   */
  function sendTheme(frame, theme) {
    var target = frame.contentWindow;
    if (!target) return;
    frame.setAttribute('data-la-embed-theme', String(theme));
    // '*': the frame's origin is not known here; the theme is not a secret.
    target.postMessage({ type: THEME, theme: theme }, '*');
  }

  new MutationObserver(function () {
    var theme = hostTheme();
    var frames = document.querySelectorAll('iframe[data-la-embed-theme]');
    for (var i = 0; i < frames.length; i++)
      sendTheme(/** @type {HTMLIFrameElement} */ (frames[i]), theme);
  }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });

  function requestSizes() {
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      var target = frame && frame.contentWindow;
      // '*': the frame's origin is not known here; the request carries no data.
      if (target) target.postMessage({ type: REQUEST }, '*');
    }
  }
  if (document.readyState === 'complete') requestSizes();
  else window.addEventListener('load', requestSizes);
})();
