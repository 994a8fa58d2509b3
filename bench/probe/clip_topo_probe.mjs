// clip-topo side of the probe bench: trainProbe on the same float32 embeddings.
// Usage: node clip_topo_probe.mjs BASE C TOL THREADS [REPEATS]
import { evaluateProbe, readNpy, trainProbe } from '../../dist/index.js';

const [base, cArg, tolArg, threadsArg, repsArg] = process.argv.slice(2);
const tol = Number(tolArg);
const c = Number(cArg);
const threads = Number(threadsArg);
const reps = Number(repsArg ?? 3);
const x = await readNpy(`${base}_train.npy`);
const y = await readNpy(`${base}_train_labels.npy`);
const xt = await readNpy(`${base}_test.npy`);
const yt = await readNpy(`${base}_test_labels.npy`);
const [n, d] = x.shape;
const classes = Math.max(...y.data) + 1;
const times = [];
let model;
for (let r = 0; r < reps; r++) {
  const t = performance.now();
  model = await trainProbe(x.data, n, d, y.data, classes, { c, maxIter: 1000, tol, threads });
  times.push(performance.now() - t);
}
const e = await evaluateProbe(model, xt.data, yt.data, { threads });
const sorted = [...times].sort((a, b) => a - b);
console.log(
  `clip-topo C=${c} tol=${tol} threads=${threads}: fit median ${sorted[Math.floor(reps / 2)].toFixed(1)} ms (min ${sorted[0].toFixed(1)}) over ${reps}, ` +
    `${model.iterations} iterations (${model.stop}), objective ${model.objective.toFixed(6)}, test acc1 ${e.acc1.toFixed(4)}`,
);
