// Lists a project's functions with Netlify's own packager
// (@netlify/zip-it-and-ship-it), the way `netlify build` calls it: the
// [functions] settings of netlify.toml passed as its config. Used by
// `bash bench/run.sh netlify --peer` (timing) and scripts/netlify-peer-golden.sh
// (the packager's manifest the tests compare against). Not used in CI.
//   node zisi_list.mjs PROJECT FUNCTIONS_DIR [REPEATS]   list, timed
//   node zisi_list.mjs PROJECT FUNCTIONS_DIR --zip OUT    package; print its manifest
// Prints {"load_ms", "list_ms": [...], "functions": [...]} on stdout; with
// --zip the manifest's functions, mainFile relative to FUNCTIONS_DIR and the
// fields that depend on the machine (path, runtimeVersion, bootstrapVersion) left out.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [project, functionsDir, repeats = '1', zipOut] = process.argv.slice(2);
const t0 = performance.now();
const zisi = await import('@netlify/zip-it-and-ship-it');
const toml = await import('toml');
const loadMs = performance.now() - t0;

const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const config = {};
const tomlPath = join(project, 'netlify.toml');
if (existsSync(tomlPath)) {
  const functions = (toml.default ?? toml).parse(readFileSync(tomlPath, 'utf8')).functions ?? {};
  for (const [key, value] of Object.entries(functions)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      config[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), v]));
    } else if (key !== 'directory') {
      (config['*'] ??= {})[camel(key)] = value;
    }
  }
}
const dir = join(project, functionsDir);
if (repeats === '--zip') {
  const manifestPath = join(zipOut, 'manifest.json');
  await zisi.zipFunctions(dir, zipOut, { config, manifest: manifestPath });
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const functions = manifest.functions
    .map(({ path, runtimeVersion, buildData, mainFile, ...f }) => ({
      ...f,
      mainFile: relative(dir, mainFile),
      buildData: { runtimeAPIVersion: buildData?.runtimeAPIVersion },
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  console.log(JSON.stringify({ functions }, null, 1));
  process.exit(0);
}
// The packager's own static analysis (what listFunctions reads): its API
// version, or nothing where it cannot tell (a source it cannot parse, a zip).
// listFunctions itself prints 1 then; `netlify functions --json` prints null.
const { parseFile } = await import(
  join(dirname(fileURLToPath(import.meta.resolve('@netlify/zip-it-and-ship-it'))),
       'runtimes/node/in_source_config/index.js'));
const listMs = [];
let listed = [];
for (let i = 0; i < Number(repeats); i++) {
  const t = performance.now();
  listed = await zisi.listFunctions(dir, { config, parseISC: true });
  listMs.push(performance.now() - t);
}
const functions = (
  await Promise.all(
    listed.map(async (f) => ({
      name: f.name,
      main_file: relative(dir, f.mainFile),
      runtime: f.runtime,
      api_version:
        f.runtime === 'js' ? ((await parseFile(f.mainFile, { functionName: f.name })).runtimeAPIVersion ?? null) : null,
      listed_api_version: f.runtimeAPIVersion ?? null,
      schedule: f.schedule ?? null,
      routes: (f.routes ?? []).map((r) => r.pattern),
      excluded_routes: (f.excludedRoutes ?? []).map((r) => r.pattern),
      methods: f.routes?.[0]?.methods ?? [],
    })),
  )
).sort((a, b) => a.name.localeCompare(b.name) || a.main_file.localeCompare(b.main_file));
console.log(JSON.stringify({ load_ms: loadMs, list_ms: listMs, functions }, null, 1));
