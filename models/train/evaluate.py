"""Held-out zero-shot accuracy of a model directory, measured with clip-topo's own CLI (for the model card).

Usage: python3 models/train/evaluate.py --model models/clip-topo-mini [--work DIR] [--sigmas 0,0.5,1,2]

Makes the held-out set (`clip-topo synth --seed 0 --per-class 120`), copies its DTD test split
(labels/test1.txt, 40 images per class) into an image folder <split>/<class>/<image>, and runs
`clip-topo zeroshot --split test --noise σ --json` (the eight CLIP DTD templates) for each σ
(CLIP-normalised input space, noise seed 0). Prints one JSON document; also writes it to <model>/eval.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from train import synth  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "clip-topo-train"))
    ap.add_argument("--sigmas", default="0,0.5,1,2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-write", action="store_true", help="do not write <model>/eval.json")
    a = ap.parse_args()
    d = synth(a.work, 0, 120, 256)
    folder = os.path.join(a.work, "seed0-test-folder")
    if not os.path.exists(os.path.join(folder, "done")):
        shutil.rmtree(folder, ignore_errors=True)
        with open(os.path.join(d, "labels", "test1.txt")) as f:
            for line in f:
                p = line.strip()
                if p:
                    os.makedirs(os.path.join(folder, "test", os.path.dirname(p)), exist_ok=True)
                    shutil.copyfile(os.path.join(d, "images", p), os.path.join(folder, "test", p))
        open(os.path.join(folder, "done"), "w").close()
    rows = []
    for s in a.sigmas.split(","):
        cmd = ["node", os.path.join(ROOT, "bin", "clip-topo.js"), "zeroshot", "--dataset", folder, "--model", a.model,
               "--split", "test", "--threads", str(a.threads), "--json"]
        if float(s) != 0:
            cmd += ["--noise", s]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        rows.append({"sigma": float(s), "command": " ".join(["clip-topo"] + cmd[2:]), "result": r})
        print(f"σ={s}: {json.dumps(r)[:300]}", file=sys.stderr, flush=True)
    doc = {"dataset": "clip-topo synth --seed 0 --per-class 120, test split (labels/test1.txt, 1120 images)", "runs": rows}
    if not a.no_write:
        with open(os.path.join(a.model, "eval.json"), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
