/**
 * The preference centre's one stylesheet. Colours meet WCAG 2.2 AA contrast (text at least
 * 4.5:1, the focus ring 3:1 against both the page and the buttons); focus is always visible.
 */
export const STYLESHEET = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 1.0625rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1b1b1b; background: #ffffff; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: .5rem 1rem; background: #1b1b1b;
  color: #ffffff; }
.skip-link:focus { left: 1rem; top: 1rem; }
.site-header { background: #0b3d6e; color: #ffffff; padding: .75rem 1.25rem; }
.brand { margin: 0; font-weight: 700; }
main { max-width: 48rem; margin: 0 auto; padding: 1.25rem; }
main:focus { outline: none; }
h1 { font-size: 1.75rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; }
fieldset { border: 1px solid #6b6b6b; border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 .25rem; }
.kind { display: block; font-weight: 400; color: #4a4a4a; font-size: .95rem; }
.choice { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between;
  gap: .5rem 1rem; padding: .5rem 0; border-top: 1px solid #d0d0d0; }
.choice:first-of-type { border-top: none; }
.choice p { margin: 0; }
.state-on { color: #1d5e2c; font-weight: 700; }
.state-off { color: #8b1a1a; font-weight: 700; }
.note { color: #4a4a4a; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem;
  border: 2px solid #0b3d6e; border-radius: 6px; background: #0b3d6e; color: #ffffff;
  text-decoration: none; cursor: pointer; }
button.secondary, .button.secondary { background: #ffffff; color: #0b3d6e; }
button.danger { background: #8b1a1a; border-color: #8b1a1a; }
a { color: #0b3d6e; }
a:focus-visible, button:focus-visible, input:focus-visible, .button:focus-visible {
  outline: 3px solid #b35c00; outline-offset: 3px; box-shadow: 0 0 0 6px #ffffff; }
.notice { border-left: 6px solid #1d5e2c; background: #eef6f0; padding: .75rem 1rem; margin: 0 0 1rem; }
.error { border-left: 6px solid #8b1a1a; background: #fbeeee; padding: .75rem 1rem; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: .5rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid #d0d0d0; }
.actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
.confirm { display: flex; gap: .5rem; align-items: flex-start; margin: 1rem 0; }
.confirm input { width: 1.25rem; height: 1.25rem; margin-top: .2rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
`;
