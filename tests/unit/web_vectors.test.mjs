// web_vectors.test.mjs -- holds the browser client's copies of protocol
// code to the C originals: web/order.js must give the same keys and
// validity verdicts as protocol/order.c, and the effect tables exported by
// web/effects.js must equal protocol/effects.c's (every type, param, range,
// default and unit, in order, both ways). The C side's answers come from
// the vectors program tests/unit/proto_vectors (path in MXT_VECTORS_BIN);
// run by tests/unit/web_vectors.sh in `make check`. Node 18 APIs only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { orderBetween, orderValid } from '../../web/order.js';
import * as fx from '../../web/effects.js';

const bin = process.env.MXT_VECTORS_BIN;
assert.ok(bin, 'MXT_VECTORS_BIN must name the built tests/unit/proto_vectors');
const C = JSON.parse(execFileSync(bin, { encoding: 'utf8', maxBuffer: 64 << 20 }));

const show = (v) => JSON.stringify(v);
// Fails listing up to 20 problems (and how many there were).
function noProblems(problems, what) {
  if (problems.length === 0) return;
  const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
  assert.fail(`${problems.length} ${what}:\n  ${problems.slice(0, 20).join('\n  ')}${more}`);
}

test('order: the vectors are not trivial', () => {
  const keys = C.order.between.map(([, , k]) => k).filter((k) => k !== null);
  assert.ok(C.order.between.length >= 300, `only ${C.order.between.length} pairs`);
  assert.ok(keys.some((k) => k.length === C.order.max), 'no key reaches ORDER_MAX');
  assert.ok(C.order.between.some(([a, b, k]) => k === null && a !== null && b !== null && a < b),
    'no pair refused for length');
  assert.ok(C.order.valid.some(([, v]) => v) && C.order.valid.some(([, v]) => !v));
});

test('order: orderBetween gives the key proto_order_between gives, for every pair', () => {
  const problems = [];
  for (const [a, b, want] of C.order.between) {
    const got = orderBetween(a, b);
    if (got !== want) problems.push(`orderBetween(${show(a)}, ${show(b)}) = ${show(got)}, C gives ${show(want)}`);
  }
  noProblems(problems, `of ${C.order.between.length} pairs differ`);
});

test('order: orderValid agrees with proto_order_valid', () => {
  const problems = [];
  for (const [s, want] of C.order.valid) {
    const got = orderValid(s);
    if (got !== want) problems.push(`orderValid(${show(s)}) = ${got}, C says ${want}`);
  }
  noProblems(problems, `of ${C.order.valid.length} verdicts differ`);
});

// Compares a C param list [{name, min, max, default, unit}] with a JS one
// [[name, min, max, default, unit]] under a label such as "compressor".
function compareParams(label, cList, jsList, problems) {
  const js = new Map();
  for (const row of jsList) {
    const [name, min, max, def, unit] = row;
    if (row.length !== 5) problems.push(`${label}.${name}: JS row has ${row.length} fields, not 5`);
    js.set(name, { name, min, max, default: def, unit });
  }
  const c = new Map(cList.map((p) => [p.name, p]));
  for (const [name, p] of c) {
    const q = js.get(name);
    if (!q) { problems.push(`${label}.${name}: in protocol/effects.c, missing from web/effects.js`); continue; }
    for (const f of ['min', 'max', 'default', 'unit'])
      if (q[f] !== p[f]) problems.push(`${label}.${name}: ${f} is ${show(q[f])} in JS, ${show(p[f])} in C`);
  }
  for (const name of js.keys())
    if (!c.has(name)) problems.push(`${label}.${name}: in web/effects.js, not in protocol/effects.c`);
  const cOrder = [...c.keys()].join(','), jsOrder = [...js.keys()].join(',');
  const sameNames = c.size === js.size && [...c.keys()].every((n) => js.has(n));
  if (sameNames && cOrder !== jsOrder)
    problems.push(`${label}: params in order ${jsOrder} in JS, ${cOrder} in C`);
}

test('effects: EFFECTS equals the C parameter table, both ways', () => {
  const problems = [];
  const cTypes = C.effects.types.map((t) => t.type);
  const jsTypes = Object.keys(fx.EFFECTS);
  for (const t of cTypes) if (!(t in fx.EFFECTS)) problems.push(`type ${t}: in C, missing from EFFECTS`);
  for (const t of jsTypes) if (!cTypes.includes(t)) problems.push(`type ${t}: in EFFECTS, not in C`);
  if (problems.length === 0 && cTypes.join() !== jsTypes.join())
    problems.push(`types in order ${jsTypes} in JS, ${cTypes} in C`);
  for (const t of C.effects.types)
    if (t.type in fx.EFFECTS) compareParams(t.type, t.params, fx.EFFECTS[t.type], problems);
  for (const t of cTypes) if (!(t in fx.EFFECT_NAMES)) problems.push(`type ${t}: no EFFECT_NAMES entry`);
  for (const t of Object.keys(fx.EFFECT_NAMES))
    if (!cTypes.includes(t)) problems.push(`EFFECT_NAMES.${t}: not a type in C`);
  noProblems(problems, 'differences between web/effects.js and protocol/effects.c');
});

test('effects: defaults(type) equals proto_effect_defaults(type)', () => {
  const problems = [];
  for (const t of C.effects.types) {
    try { assert.deepStrictEqual(fx.defaults(t.type), t.defaults); } catch {
      problems.push(`defaults(${show(t.type)}) = ${show(fx.defaults(t.type))}, C gives ${show(t.defaults)}`);
    }
  }
  noProblems(problems, 'default sets differ');
});

test('effects: eq bands and delay sync equal the C tables', () => {
  const problems = [];
  compareParams('eq band', C.effects.band_params, fx.BAND_PARAMS, problems);
  const lists = [['BAND_TYPES', fx.BAND_TYPES, C.effects.band_types], ['SYNC_VALUES', fx.SYNC_VALUES, C.effects.sync_values]];
  for (const [name, js, c] of lists) {
    for (const v of c) if (!js.includes(v)) problems.push(`${name}: ${show(v)} in C, missing from JS`);
    for (const v of js) if (!c.includes(v)) problems.push(`${name}: ${show(v)} in JS, not in C`);
    const sameValues = js.length === c.length && c.every((v) => js.includes(v));
    if (sameValues && js.join() !== c.join()) problems.push(`${name}: order ${js} in JS, ${c} in C`);
  }
  if (fx.MAX_BANDS !== C.effects.max_bands) problems.push(`MAX_BANDS is ${fx.MAX_BANDS} in JS, ${C.effects.max_bands} in C`);
  try { assert.deepStrictEqual(fx.defaultBand(), C.effects.default_band); } catch {
    problems.push(`defaultBand() = ${show(fx.defaultBand?.())}, C fills {} to ${show(C.effects.default_band)}`);
  }
  noProblems(problems, 'differences in the eq band / delay sync tables');
});

// web/instruments.js against protocol/instruments.c: the same types, params
// (kind, range, choices) in order, and the same defaults per type and preset.
test('instruments: web/instruments.js has the tables of protocol/instruments.c', async () => {
  const ins = await import('../../web/instruments.js');
  const problems = [];
  assert.deepEqual(Object.keys(ins.PARAMS), Object.keys(C.instruments.types), 'the same types in order');
  for (const [type, ct] of Object.entries(C.instruments.types)) {
    const js = ins.PARAMS[type] || [];
    if (js.length !== ct.params.length) problems.push(`${type}: JS has ${js.length} params, C ${ct.params.length}`);
    ct.params.forEach((p, i) => {
      const row = js[i] || [];
      if (row[0] !== p.name) { problems.push(`${type}[${i}]: JS ${row[0]}, C ${p.name}`); return; }
      if (p.kind === 'c') {
        if (show(row[2]) !== show(p.choices)) problems.push(`${type}.${p.name}: choices ${show(row[2])}, C ${show(p.choices)}`);
      } else {
        if (row[2] !== p.min || row[3] !== p.max) problems.push(`${type}.${p.name}: range ${row[2]}..${row[3]}, C ${p.min}..${p.max}`);
        if ((p.kind === 'i') !== (row[6] === 1)) problems.push(`${type}.${p.name}: integer step ${row[6]}, C kind ${p.kind}`);
      }
    });
    const got = ins.defaults(type);
    if (show(got) !== show(ct.defaults)) problems.push(`${type} defaults: JS ${show(got)}, C ${show(ct.defaults)}`);
  }
  assert.deepEqual(ins.PRESETS, Object.keys(C.instruments.presets), 'the same presets in order');
  for (const [p, want] of Object.entries(C.instruments.presets)) {
    const got = ins.defaults('synth', p);
    if (show(got) !== show(want)) problems.push(`preset ${p}: JS ${show(got)}, C ${show(want)}`);
  }
  noProblems(problems, 'instrument table differences');
});

test('clip defaults: web/doc.js DEFAULTS.clip equals what protocol/fields.c fills on create', async () => {
  const { DEFAULTS } = await import('../../web/doc.js');
  assert.deepEqual(DEFAULTS.clip, C.clip_defaults);
});
