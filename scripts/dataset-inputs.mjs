// What make-reference-data.mjs and make-training-data.mjs share: their arguments (one bench file,
// one torch file, the machine), reading those files with a sentence for every way they can be
// wrong, and combining torch-anchor.py's rows over rounds the same way as the bench's
// (src/gpu/rounds.ts: median of the round medians; min, quartiles and max kept).
// Loaded after tsx's register(), since it imports the engine's TypeScript.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { parseRecordsFile } = await import('../src/gpu/records.ts');
const { pointKey, summarizeRounds } = await import('../src/gpu/rounds.ts');
const { isCommitSha } = await import('../src/widgets/shared/reference-dataset.ts');

/** Prints `script: sentence` and exits with status 2 (bad input). */
export function failer(script) {
  return (sentence) => {
    console.error(`${script}: ${sentence}`);
    process.exit(2);
  };
}

/**
 * The common options (--bench, --torch, --machine, --command, --note-extra, --out), checked:
 * the required ones present, and one file per side, never a list of runs to merge or pick from.
 * With `commit: true`, also --commit SHA (optional): the commit whose kernels the call measured,
 * checked as the dataset's reader checks it (isCommitSha).
 */
export function parseDatasetArgs(fail, { out, torchRequired, commit = false }) {
  const { values } = parseArgs({
    options: {
      bench: { type: 'string' },
      torch: { type: 'string' },
      machine: { type: 'string' },
      command: { type: 'string', default: '' },
      // Facts about this call a reader of the data should know (what ran out of time, say).
      'note-extra': { type: 'string', default: '' },
      out: { type: 'string', default: out },
      ...(commit ? { commit: { type: 'string' } } : {}),
    },
  });
  if (commit && values.commit !== undefined && !isCommitSha(values.commit)) {
    fail(
      `--commit takes the SHA of the commit the bench was built from, as \`git rev-parse --short ` +
        `HEAD\` prints it (7 to 40 lowercase hex digits), not "${values.commit}".`,
    );
  }
  if (!values.bench || !values.machine || (torchRequired && !values.torch)) {
    fail(
      torchRequired
        ? '--bench FILE, --torch FILE and --machine NAME are required.'
        : '--bench FILE and --machine NAME are required.',
    );
  }
  for (const name of ['bench', 'torch']) {
    if (values[name]?.includes(',')) {
      fail(
        `--${name} takes the JSON of one call only; several runs are never merged or picked from. ` +
          'Measure again with --rounds N instead.',
      );
    }
  }
  return values;
}

function readText(path, fail) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${path}: ${error.message}`);
  }
}

/**
 * The bench file's records that `keep` accepts (default all), refused if any of them appears twice
 * (one record per point).
 */
export function readBenchRecords(path, fail, keep = () => true) {
  let file;
  try {
    file = parseRecordsFile(readText(path, fail));
  } catch (error) {
    fail(`${path}: ${error.message}`);
  }
  const records = file.records.filter(keep);
  const seen = new Set();
  for (const r of records) {
    const key = pointKey(r);
    if (seen.has(key)) {
      fail(
        `${path} holds ${r.task} ${r.form} at T = ${r.tokens}${r.chunkSize ? ` (c = ${r.chunkSize})` : ''} ` +
          'more than once; the dataset takes one record per point, the median over the rounds of one call.',
      );
    }
    seen.add(key);
  }
  return records;
}

/** torch-anchor.py's JSON, refused with a sentence when it is not that. */
export function readTorchFile(path, fail) {
  let file;
  try {
    file = JSON.parse(readText(path, fail));
  } catch (error) {
    fail(`${path} is not JSON: ${error.message}`);
  }
  if (file?.format !== 'linear-attention-live/torch-anchor' || !Array.isArray(file.records)) {
    fail(`${path} is not torch-anchor.py's JSON (format linear-attention-live/torch-anchor).`);
  }
  return file;
}

/**
 * torch-anchor rows combined over rounds, one entry per (scope, dtype, impl, form, T, H, d): the
 * first round's row, its scope, the fields every dataset keeps (ms: the median of the rounds) and
 * the spread over rounds. `scopeOf` names a row's scope (training files: attention or layer);
 * without it every row is one scope.
 */
export function combineTorchRounds(file, path, fail, scopeOf = () => '') {
  const groups = new Map();
  for (const row of file.records) {
    const scope = scopeOf(row);
    const key = [scope, row.dtype, row.impl, row.form, row.tokens, row.heads, row.dim].join('|');
    const list = groups.get(key) ?? [];
    if (list.some((other) => other.round === row.round)) {
      fail(
        `${path} holds ${scope ? `${scope} ` : ''}${row.dtype} ${row.form} at T = ${row.tokens} ` +
          `twice in round ${row.round}.`,
      );
    }
    list.push(row);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const sorted = [...list].sort((a, b) => a.round - b.round);
    const roundsMs = sorted.map(headlineMs);
    const summary = summarizeRounds(roundsMs);
    return {
      row: list[0],
      scope: scopeOf(list[0]),
      timing: timingFields(sorted),
      fields: {
        impl: list[0].impl,
        form: list[0].form,
        dtype: list[0].dtype,
        precision: list[0].precision ?? null,
        tokens: list[0].tokens,
        heads: list[0].heads,
        dim: list[0].dim,
        ms: summary.medianMs,
      },
      spread: {
        rounds: summary.rounds,
        roundsMs,
        spread: summary.rounds >= 2 ? summary.spread : null,
      },
    };
  });
}

const isPositive = (x) => typeof x === 'number' && Number.isFinite(x) && x > 0;

/**
 * A round's time for the dataset: the GPU's time per call, like our kernels' GPU timestamps. That
 * is the CUDA-graph replay of the timed batch where the round has one (no host launches in it),
 * else the batched time (`ms`; a row whose one call spans the pilot's 2 ms runs alone, with no
 * graph, and its launch cost is a negligible part of it).
 */
export function headlineMs(round) {
  return isPositive(round.graphMs) ? round.graphMs : round.ms;
}

/**
 * What torch-anchor.py (from 2026-12-02) says of how each round timed a row, over the rounds (in
 * round order): `roundsBatch`, the calls per timed batch; `callMs`, the median over rounds of the
 * batch's time over its calls, launched one by one from Python (when the rows have graph times,
 * which then give the row's ms: headlineMs);
 * `singleMs`, the median over rounds of one call timed alone (how rows were timed before);
 * `graphMs`, the median over rounds of the per-call time of the batch replayed as one CUDA graph
 * (null unless every round has one); `backend`, the SDPA backend a row forced or, for the default
 * row, the one PyTorch picked (null when the rounds disagree). Fields the rows lack are left out,
 * so older files give {}.
 */
export function timingFields(rounds) {
  const out = {};
  if (rounds.every((r) => Number.isInteger(r.batch) && r.batch >= 1)) {
    out.roundsBatch = rounds.map((r) => r.batch);
  }
  if (rounds.some((r) => isPositive(r.graphMs))) {
    // The batch launched call by call from Python: what such code costs when called in a loop.
    out.callMs = summarizeRounds(rounds.map((r) => r.ms)).medianMs;
  }
  if (rounds.every((r) => isPositive(r.singleMs))) {
    out.singleMs = summarizeRounds(rounds.map((r) => r.singleMs)).medianMs;
  }
  if (rounds.some((r) => 'graphMs' in r)) {
    out.graphMs = rounds.every((r) => isPositive(r.graphMs))
      ? summarizeRounds(rounds.map((r) => r.graphMs)).medianMs
      : null;
  }
  if (rounds.some((r) => typeof r.backend === 'string')) {
    const names = new Set(rounds.map((r) => r.backend));
    out.backend = names.size === 1 ? rounds[0].backend : null;
  }
  return out;
}

/**
 * The backend SDPA's default (form softmax-sdpa, impl torch) ran in each dtype of the file: the
 * `backend` its rows record, when every row of that dtype names the same one, else the meta's
 * sdpaDefault (PyTorch's pick for one probe input) when the rows name none; null when unknown
 * ('unknown (...)' from a PyTorch that cannot say) or when the rows disagree between lengths.
 */
export function sdpaDefaults(file) {
  const out = {};
  const dtypes = new Set([
    ...Object.keys(file.sdpaDefault ?? {}),
    ...file.records.filter((r) => r.form === 'softmax-sdpa').map((r) => r.dtype ?? 'fp32'),
  ]);
  for (const dtype of dtypes) {
    const rows = file.records.filter(
      (r) =>
        r.form === 'softmax-sdpa' &&
        r.impl === 'torch' &&
        (r.dtype ?? 'fp32') === dtype &&
        (r.pass ?? 'forward') === 'forward',
    );
    const named = new Set(rows.map((r) => r.backend).filter((b) => typeof b === 'string'));
    const meta = file.sdpaDefault?.[dtype];
    const known = (b) => (typeof b === 'string' && b && !b.startsWith('unknown') ? b : null);
    if (named.size > 0 && rows.every((r) => typeof r.backend === 'string')) {
      out[dtype] = named.size === 1 ? known([...named][0]) : null;
    } else {
      out[dtype] = known(meta);
    }
  }
  return out;
}

/** The dataset's adapter: the bench's, named after the machine, with its Vulkan driver version. */
export function datasetAdapter(machine, first) {
  const driver = first.adapter?.description ?? '';
  return {
    ...first.adapter,
    name: machine,
    description: `${machine}${driver ? ` (Vulkan driver ${driver.replace(/^NVIDIA:\s*/, '').split(' ')[0]})` : ''}`,
  };
}

/**
 * What the dataset records of the torch run: device, versions, backends, start and end; from files
 * of 2026-12-02 on also how rows were timed (`timing`, a sentence), SDPA's default backend per
 * dtype (sdpaDefaults), its kernels by name per dtype and length (`sdpaKernels`), the forced
 * backends that refused an input (`sdpaSkipped`) and the forms a CUDA graph could not hold
 * (`graphSkipped`).
 */
export function torchInfo(file) {
  const optional = ['timing', 'sdpaKernels', 'sdpaSkipped', 'graphSkipped'].filter(
    (key) => file[key] !== undefined,
  );
  return {
    device: file.device,
    torch: file.torch,
    tritonF32Default: file.tritonF32Default,
    sdpaBackends: file.sdpaBackends,
    ...(file.sdpaDefault !== undefined || file.records.some((r) => 'backend' in r)
      ? { sdpaDefault: sdpaDefaults(file) }
      : {}),
    ...Object.fromEntries(optional.map((key) => [key, file[key]])),
    started: file.started,
    finished: file.finished ?? null,
  };
}
