/**
 * The few pieces every page of the preference centre shares: escaping, the page frame and the
 * security headers. Pages are plain server-rendered HTML with one stylesheet and no script, so
 * they work without JavaScript and the content security policy can forbid every script.
 */

/** Text that is safe in HTML; made only by {@link html} and {@link escapeHtml}. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an element or a quoted attribute. */
export function escapeHtml(text: string): Html {
  return new Html(text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char));
}

type Part = Html | string | number | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join("");
  return escapeHtml(String(part)).text;
}

/**
 * A template tag that escapes every interpolated value unless it is already {@link Html}.
 *
 * @example html`<p>${name}</p>` // name "<b>" → "<p>&lt;b&gt;</p>"
 */
export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new Html(out);
}

/** Where the stylesheet is served; the only resource a page loads. */
export const STYLESHEET_PATH = "/assets/assent-preferences.css";

/** The whole page: a skip link, one `main` landmark, the stylesheet, no script. */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><p class="brand">Your privacy choices</p></header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`.text;
}

/**
 * Headers on every preference-centre response: no script at all, no framing, no referrer (the
 * link in the address bar is a credential), nothing cached, nothing sniffed.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
};
