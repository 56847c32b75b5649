// Offline checks of rendered Kubernetes manifests (the output of `kubectl kustomize`), no cluster needed.
//
//   node tests/deploy/check-manifests.mjs validate FILE
//     Each object must pass two checks, and the exit code is 1 if any fails:
//     - kubernetes-models' validate(): the API's JSON schema (types, required fields, enums), which
//       lets unknown fields through;
//     - a strict walk against @kubernetes/client-node's generated models (the API's OpenAPI types):
//       every field must be one the type declares, with a value of its type. This is what catches a
//       misspelt field, which kubectl apply would otherwise drop or refuse only against a live cluster.
//   node tests/deploy/check-manifests.mjs query FILE KIND PATH
//     Prints, as JSON, the value at PATH in the one object of KIND, e.g.
//     spec.template.spec.containers[0].env[name=OPENAI_API_KEY].valueFrom, so a test can assert exact
//     values. A missing path prints nothing and exits 1. KIND "-" takes the file's one document as it
//     is (e.g. the output of `docker-compose config`).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
// The models alone (the package's index also loads its HTTP client), and only for validate: loading them takes
// most of a second, which each of the run's many queries would otherwise pay.
let models;

function load(file) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

function describe(obj) {
  return `${obj?.apiVersion ?? '?'} ${obj?.kind ?? '?'} ${obj?.metadata?.name ?? '?'}`;
}

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment; "v1" + "Service" -> kubernetes-models/v1/Service.
async function schemaErrors(obj) {
  const modulePath = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  let Model;
  try {
    Model = (await import(modulePath))[obj.kind];
  } catch {
    return [`no kubernetes-models type for ${obj.apiVersion} ${obj.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (error) {
    return [`schema: ${error.message}`];
  }
}

// "apps/v1" + "Deployment" -> V1Deployment; "autoscaling/v2" -> V2HorizontalPodAutoscaler.
function modelName(obj) {
  const version = String(obj.apiVersion).split('/').pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + obj.kind;
}

function walk(value, type, format, path, errors) {
  // An explicit null is how YAML says "unset"; the API server treats it so.
  if (value === null) return;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) { errors.push(`${path}: expected a list, found ${JSON.stringify(value)}`); return; }
    value.forEach((item, i) => walk(item, array[1], '', `${path}[${i}]`, errors));
  } else if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) { errors.push(`${path}: expected a map, found ${JSON.stringify(value)}`); return; }
    for (const [key, item] of Object.entries(value)) walk(item, map[1], '', `${path}.${key}`, errors);
  } else if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') errors.push(`${path}: expected a string, found ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    const integer = format === 'int32' || format === 'int64';
    if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
      errors.push(`${path}: expected ${integer ? 'an integer' : 'a number'}, found ${JSON.stringify(value)}`);
    }
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${path}: expected true or false, found ${JSON.stringify(value)}`);
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) errors.push(`${path}: expected an integer or a string, found ${JSON.stringify(value)}`);
  } else if (type === 'any') {
    // Free-form by the API's own definition.
  } else if (typeof models[type]?.getAttributeTypeMap === 'function') {
    if (typeof value !== 'object' || Array.isArray(value)) { errors.push(`${path}: expected an object (${type}), found ${JSON.stringify(value)}`); return; }
    const attributes = models[type].getAttributeTypeMap();
    for (const [key, item] of Object.entries(value)) {
      const attribute = attributes.find((a) => a.baseName === key);
      if (!attribute) { errors.push(`${path}.${key}: unknown field (not in ${type})`); continue; }
      walk(item, attribute.type, attribute.format, `${path}.${key}`, errors);
    }
  } else {
    // A type this walker does not know must not pass unchecked.
    errors.push(`${path}: the model type ${type} is not handled by this check`);
  }
}

function strictErrors(obj) {
  const name = modelName(obj);
  if (typeof models[name]?.getAttributeTypeMap !== 'function') return [`no @kubernetes/client-node model ${name}`];
  const errors = [];
  walk(obj, name, '', obj.kind, errors);
  return errors;
}

async function validate(file) {
  models ??= await import('@kubernetes/client-node/dist/gen/models/all.js');
  const objects = load(file);
  if (objects.length === 0) { console.log(`FAIL - ${file}: no objects`); return 1; }
  let failures = 0;
  for (const obj of objects) {
    if (typeof obj !== 'object' || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      console.log(`FAIL - ${describe(obj)}: not a Kubernetes object (apiVersion and kind)`); failures++; continue;
    }
    const errors = [...(await schemaErrors(obj)), ...strictErrors(obj)];
    if (errors.length === 0) console.log(`ok   - ${describe(obj)}`);
    else { failures++; console.log(`FAIL - ${describe(obj)}`); for (const e of errors) console.log(`       ${e}`); }
  }
  return failures === 0 ? 0 : 1;
}

// a.b[0].c[name=X].d: dotted keys, list indexes and list items picked by their name.
function query(file, kind, path) {
  const matches = kind === '-' ? load(file) : load(file).filter((o) => o.kind === kind);
  if (matches.length !== 1) { console.error(`${matches.length} objects of kind ${kind} in ${file}, expected 1`); return 1; }
  let value = matches[0];
  for (const token of path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
    if (value === undefined || value === null) break;
    const byName = /^\[name=(.*)\]$/.exec(token);
    const byIndex = /^\[(\d+)\]$/.exec(token);
    if (byName) value = Array.isArray(value) ? value.find((item) => item?.name === byName[1]) : undefined;
    else if (byIndex) value = Array.isArray(value) ? value[Number(byIndex[1])] : undefined;
    else value = typeof value === 'object' && !Array.isArray(value) ? value[token] : undefined;
  }
  if (value === undefined) { console.error(`${kind} has no ${path}`); return 1; }
  console.log(JSON.stringify(value));
  return 0;
}

const [command, ...args] = process.argv.slice(2);
if (command === 'validate' && args.length === 1) process.exitCode = await validate(args[0]);
else if (command === 'query' && args.length === 3) process.exitCode = query(...args);
else { console.error('usage: check-manifests.mjs validate FILE | query FILE KIND PATH'); process.exitCode = 2; }
