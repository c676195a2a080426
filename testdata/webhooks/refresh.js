// refresh.js writes GitHub's own webhook example payloads, as published in the
// npm package @octokit/webhooks-examples, into this directory: one file per
// event and action, named <event>.<action>.json (or <event>.json when the
// event has no action), taking the first example GitHub gives for each.
// Package events keep every example (<event>.<action>.<n>.json from the
// second on): GitHub publishes npm and container packages under one action,
// and Stagehand cares about the container one.
//
// Usage: node refresh.js <path to the unpacked package> <output dir>
"use strict";
const fs = require("fs");
const path = require("path");

const events = [
  "check_run", "check_suite", "deployment_status", "installation",
  "installation_repositories", "issue_comment", "package", "ping",
  "pull_request", "push", "registry_package", "status",
];

const everyExample = ["package", "registry_package"];

const [pkgDir, outDir] = process.argv.slice(2);
if (!pkgDir || !outDir) {
  console.error("usage: node refresh.js PACKAGE_DIR OUT_DIR");
  process.exit(2);
}
const index = JSON.parse(fs.readFileSync(path.join(pkgDir, "api.github.com", "index.json"), "utf8"));
for (const f of fs.readdirSync(outDir)) {
  if (f.endsWith(".json")) fs.unlinkSync(path.join(outDir, f));
}
let written = 0;
for (const def of index) {
  if (!events.includes(def.name)) continue;
  const seen = new Map();
  for (const example of def.examples) {
    const stem = example.action ? `${def.name}.${example.action}` : def.name;
    const n = (seen.get(stem) || 0) + 1;
    seen.set(stem, n);
    if (n > 1 && !everyExample.includes(def.name)) continue;
    const name = n > 1 ? `${stem}.${n}.json` : `${stem}.json`;
    fs.writeFileSync(path.join(outDir, name), JSON.stringify(example, null, 2) + "\n");
    written++;
  }
}
console.log(`wrote ${written} payloads to ${outDir}`);
