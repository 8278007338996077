// The admin pages' HTML shell: static structure only (header, navigation, the main region the
// module fills in, the confirmation dialog). No inline script or style: the page's
// Content-Security-Policy allows scripts and styles from this server only.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!)
}

export function adminPage(o: { defaultModel: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fcv control plane: admin</title>
<link rel="icon" href="/admin/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/admin/admin.css">
<script type="module" src="/admin/admin.js"></script>
</head>
<body data-default-model="${escapeHtml(o.defaultModel)}">
<header id="top" class="top" hidden>
  <p class="brand">fcv control plane</p>
  <nav aria-label="Admin sections">
    <ul>
      <li><a href="#models" data-view="models">Models</a></li>
      <li><a href="#promote" data-view="promote">Promote</a></li>
      <li><a href="#deployments" data-view="deployments">Deployments</a></li>
      <li><a href="#fleet" data-view="fleet">Fleet</a></li>
      <li><a href="#audit" data-view="audit">Audit log</a></li>
    </ul>
  </nav>
  <p class="model-pick" id="model-pick" hidden>
    <label for="model-select">Model</label>
    <select id="model-select"></select>
  </p>
  <button type="button" id="sign-out" class="quiet">Sign out</button>
</header>
<p id="status" class="status" role="status" aria-live="polite"></p>
<main id="main" tabindex="-1">
  <noscript>These pages need JavaScript (one module served by this control plane).</noscript>
</main>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body">
  <h2 id="confirm-title">Confirm</h2>
  <div id="confirm-body"></div>
  <p class="actions">
    <button type="button" id="confirm-cancel">Cancel</button>
    <button type="button" id="confirm-ok" class="primary">Confirm</button>
  </p>
</dialog>
</body>
</html>
`
}
