// Compiles the Sass and copies the scripts and GOV.UK assets into ../static (not committed).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
const govuk = join(here, "node_modules", "govuk-frontend", "dist", "govuk");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(here, "src", "qaf.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "mixed-decls", "color-functions"],
});
writeFileSync(join(out, "css", "qaf.css"), result.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
cpSync(join(here, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(out, "js", "htmx.min.js"));
cpSync(join(here, "src", "qaf.js"), join(out, "js", "qaf.js"));
// The images GOV.UK Frontend's CSS refers to (under $govuk-assets-path): without them
// collectstatic's manifest storage refuses to build (issue 17). No fonts: QAF uses Arial.
cpSync(join(govuk, "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
console.log("front-end assets built into static/");
