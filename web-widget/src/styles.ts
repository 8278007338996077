// The badge's look: one constructable stylesheet adopted by every element's shadow root (no inline
// style, so a strict style-src needs no exception). Themed through custom properties and ::part;
// light and dark follow the page's color-scheme. The host reserves its box before the score
// arrives, so nothing around it moves.

const CSS = `
:host{--fcv-bg:light-dark(#f6f7f9,#1f2329);--fcv-fg:light-dark(#1d2330,#e9edf3);--fcv-muted:light-dark(#5b6474,#a5afbf);--fcv-accent:light-dark(#2456d6,#8fb0ff);--fcv-border:light-dark(#dde1e8,#3a414c);--fcv-radius:999px;--fcv-font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color-scheme:inherit;display:inline-flex;box-sizing:border-box;inline-size:var(--fcv-width,15em);block-size:var(--fcv-height,2.25em);vertical-align:middle;contain:layout paint;font:500 .875rem/1 var(--fcv-font)}
:host([hidden]),:host([mode=hidden]){display:none}
:host([theme=light]){color-scheme:light}
:host([theme=dark]){color-scheme:dark}
[part~=badge]{display:flex;flex:1;align-items:center;gap:.5em;min-inline-size:0;padding:0 .9em;border:1px solid var(--fcv-border);border-radius:var(--fcv-radius);background:var(--fcv-bg);color:var(--fcv-fg);white-space:nowrap;overflow:hidden}
[part~=label]{color:var(--fcv-muted);overflow:hidden;text-overflow:ellipsis}
[part~=tier]{color:var(--fcv-accent);font-weight:700}
[part~=tier]:empty{display:none}
[part~=value]{margin-inline-start:auto;font-variant-numeric:tabular-nums;font-weight:700}
[data-state=loading] [part~=value],[data-state=neutral] [part~=value]{inline-size:4em;block-size:.8em;border-radius:.4em;background:var(--fcv-border)}
[data-state=neutral] [part~=tier]{display:none}
@media (prefers-reduced-motion:no-preference){[data-state=loading] [part~=value]{animation:p 1.2s ease-in-out infinite}}
@keyframes p{50%{opacity:.45}}
`

let sheet: CSSStyleSheet | undefined

export function badgeStyles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet()
    sheet.replaceSync(CSS)
  }
  return sheet
}
