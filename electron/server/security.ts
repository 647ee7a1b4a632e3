/**
 * Security settings shared by the Electron window and the browser-mode server.
 * Plain constants: no electron or node imports.
 */

/**
 * Content-Security-Policy of the renderer: scripts, styles, fetches and event streams only from the
 * app itself; inline styles are allowed because Svelte and chart.js set element styles.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
