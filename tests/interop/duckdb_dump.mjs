// Dump a Parquet file as DuckDB reads it, as one JSON document on stdout:
//   node tests/interop/duckdb_dump.mjs FILE [--no-metadata] [--sql "SELECT ... FROM read_parquet('$FILE')"]
// Output:
//   { "columns":  [{"name", "type"}],            DuckDB's types of read_parquet(FILE)
//     "rows":     [[value, ...], ...],           SELECT * FROM read_parquet(FILE), file order
//     "metadata": [{column: value}, ...],        SELECT * FROM parquet_metadata(FILE)
//     "kv":       [{"key","value"}],             parquet_kv_metadata(FILE), decoded as UTF-8
//     "sql":      {"columns","rows"} }           only with --sql
// Values are lossless JSON: integers (incl. BIGINT/UBIGINT) as decimal strings,
// doubles as numbers except "NaN", "Infinity", "-Infinity", "-0"; timestamps as
// {"ns": "..."} (TIMESTAMP_NS) or {"us": "..."} (TIMESTAMP/TIMESTAMPTZ) since
// the epoch; strings as strings; BLOBs as {"hex": "..."}; NULL as null.
// Needs `npm install @duckdb/node-api` (resolved from the working directory or
// NODE_PATH). Exit status 1 with the error on stderr when DuckDB fails.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const duck = require('@duckdb/node-api');

function enc(v) {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint': return v.toString();
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      if (Object.is(v, -0)) return '-0';
      return v;
    case 'boolean':
    case 'string':
      return v;
    default:
      break;
  }
  if (typeof v.nanos === 'bigint') return { ns: v.nanos.toString() };
  if (typeof v.micros === 'bigint') return { us: v.micros.toString() };
  if (typeof v.millis === 'bigint') return { ms: v.millis.toString() };
  if (v.bytes instanceof Uint8Array) return { hex: Buffer.from(v.bytes).toString('hex') };
  if (Array.isArray(v.items)) return v.items.map(enc);
  if (Array.isArray(v.entries)) return v.entries.map((e) => (e.key !== undefined ? [enc(e.key), enc(e.value)] : enc(e)));
  if (v.entries && typeof v.entries === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v.entries)) o[k] = enc(x);
    return o;
  }
  return String(v);
}

async function query(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = reader.getRows().map((r) => r.map(enc));
  return { columns: names.map((n, i) => ({ name: n, type: types[i] })), rows };
}

function quote(s) {
  return "'" + s.replaceAll("'", "''") + "'";
}

async function main() {
  const args = process.argv.slice(2);
  let file = null, sql = null, meta = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--sql') sql = args[++i];
    else if (args[i] === '--no-metadata') meta = false;
    else file = args[i];
  }
  if (!file) {
    process.stderr.write('usage: duckdb_dump.mjs FILE [--no-metadata] [--sql SQL]\n');
    process.exit(2);
  }
  const q = quote(file);
  const inst = await duck.DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const data = await query(conn, `SELECT * FROM read_parquet(${q})`);
  const out = { columns: data.columns, rows: data.rows };
  if (meta) {
    const m = await query(conn, `SELECT * FROM parquet_metadata(${q})`);
    out.metadata = m.rows.map((r) => Object.fromEntries(r.map((v, i) => [m.columns[i].name, v])));
    const kv = await query(conn,
      `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${q})`);
    out.kv = kv.rows.map(([k, v]) => ({ key: k, value: v }));
  }
  if (sql) out.sql = await query(conn, sql.replaceAll('$FILE', q));
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
