"""Train clip-topo-mini, a small CLIP, on clip-topo's synthetic textures with CLIP's contrastive loss,
and export it as a clip-topo model directory (model.json + image.onnx + text.onnx).

Usage (from the repository root, after `npm run build`; CPU only, ~14 min on 2 free cores):
    python3 models/train/train.py --out models/clip-topo-mini --fixture test/fixtures/clip-topo-mini

Data: `clip-topo synth` with seeds 1..K (every split) for training; synth seed 0 is held out (never
trained on) and only used to measure zero-shot accuracy on its test split. Generated data lives in
--work (default: a folder in the system temp dir), never inside models/.
Captions: the synth caption of each image, or one of several phrasings built from its fields (class,
colours, scale, orientation); token ids from clip-topo's own CLIP tokenizer (tokenize.mjs).
"""
import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import model as M  # noqa: E402

DTD_TEMPLATES = [
    "a photo of a {} texture.", "a photo of a {} pattern.", "a photo of a {} thing.", "a photo of a {} object.",
    "a photo of the {} texture.", "a photo of the {} pattern.", "a photo of the {} thing.", "a photo of the {} object.",
]
PREFIXES = ["", "a photo of ", "a close-up photo of ", "an image of ", "a picture of ", "a cropped photo of ",
            "a detailed photo of ", "a nice photo of ", "a good photo of ", "a clear photo of ", "this is "]
NOUNS = ["texture", "pattern", "surface", "thing", "object", "design", "material", "fabric", "background",
         "sample", "print", "image", "tile", "swatch"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- data

def synth(work, seed, per_class, size):
    """A synthetic dataset from the project's CLI, reused when already there (the same seed gives the same bytes)."""
    out = os.path.join(work, f"seed{seed}-n{per_class}-s{size}")
    if os.path.exists(os.path.join(out, "captions.jsonl")):
        return out
    if os.path.exists(out):
        shutil.rmtree(out)
    cmd = ["node", os.path.join(ROOT, "bin", "clip-topo.js"), "synth", "--out", out, "--per-class", str(per_class),
           "--seed", str(seed), "--size", str(size), "--threads", "2"]
    log("$", " ".join(cmd))
    subprocess.run(cmd, check=True)
    return out


def read_captions(d):
    with open(os.path.join(d, "captions.jsonl")) as f:
        return [json.loads(line) for line in f]


def colour_phrase(cols):
    if len(cols) == 1:
        return cols[0]
    return ", ".join(cols[:-1]) + " and " + cols[-1]


def phrasings(row, rng, k):
    """k captions of one image built from its fields, each true of it (class, colours, scale, orientation).
    Many name no colour: colours differ between almost all images of a batch, so captions that always
    named them would let the contrastive loss be met by colour alone, and the class words would be learnt
    late; captions without colours can only be matched by what the texture is."""
    c, cols = row["class"], row["colors"]
    scale, orient = row.get("scale"), row.get("orientation")
    out = []
    for _ in range(k):
        art = rng.choice(["a", "the"])
        noun = rng.choice(NOUNS)
        pre = rng.choice(PREFIXES)
        kind = rng.choices(range(7), weights=[4, 1, 1, 1, 1, 1, 1])[0]
        if (kind == 3 and not scale) or (kind == 4 and not orient):
            kind = 0
        if kind == 0:
            s = f"{pre}{art} {c} {noun}"
        elif kind == 1:
            s = f"{pre}{art} {colour_phrase(cols)} {c} {noun}"
        elif kind == 2:
            sub = rng.sample(cols, rng.randint(1, len(cols)))
            s = f"{pre}{art} {c} {noun} in {colour_phrase(sub)}"
        elif kind == 3:
            s = f"{pre}{art} {c} {noun} with {scale} detail"
        elif kind == 4:
            s = f"{pre}{art} {orient} {c} {noun}"
        elif kind == 5:
            s = rng.choice([c, f"{c} {noun}", f"{noun}: {c}"])
        else:
            s = f"{colour_phrase(cols)} {c} {noun}" + (f", {scale}" if scale else "") + (f", {orient}" if orient else "")
        s = s.replace(" a a", " an a").replace(" a e", " an e").replace(" a o", " an o").replace(" a i", " an i")
        if s.startswith("a a") or s.startswith("a e") or s.startswith("a o") or s.startswith("a i"):
            s = "an" + s[1:]
        out.append(s + ("." if rng.random() < 0.5 else ""))
    return out


def tokenize(texts, work):
    """Token ids [n, 77] from the project's tokenizer (dist/clip/tokenizer.js)."""
    src = os.path.join(work, "texts.json")
    dst = os.path.join(work, "ids.bin")
    with open(src, "w") as f:
        json.dump(texts, f)
    subprocess.run(["node", os.path.join(HERE, "tokenize.mjs"), src, dst], check=True)
    return torch.from_numpy(np.fromfile(dst, dtype=np.int32).reshape(len(texts), M.CTX).astype(np.int64))


MEAN = np.array(M.MEAN, np.float32)
STD = np.array(M.STD, np.float32)


def clip_transform(img, size=M.IMAGE):
    """OpenAI CLIP's eval transform: shortest side -> size (bicubic, long side truncated), centre crop
    with Python round() offsets, RGB, /255, mean/std. The same as clip-topo's preprocessing."""
    w, h = img.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))
    img = img.crop((left, top, left + size, top + size)).convert("RGB")
    return normalise(img)


def normalise(img):
    a = np.asarray(img, dtype=np.float32) / 255.0
    return ((a - MEAN) / STD).transpose(2, 0, 1)


def augmented(img, rng):
    """A random square crop (scale jitter only: no flips, rotations or colour changes, which could make
    the caption's orientation or colours false), then CLIP's transform; a third of the time the plain
    eval transform."""
    if rng.random() < 1 / 3:
        return clip_transform(img)
    w, h = img.size
    side = int(min(w, h) * math.sqrt(rng.uniform(0.55, 1.0)))
    x, y = rng.randint(0, w - side), rng.randint(0, h - side)
    return clip_transform(img.crop((x, y, x + side, y + side)))


def load(path):
    with Image.open(path) as im:
        im.load()
        return im


# ---------------------------------------------------------------------------------------------- training

def clip_loss(img, txt, logit_scale):
    img = img / img.norm(dim=-1, keepdim=True)
    txt = txt / txt.norm(dim=-1, keepdim=True)
    logits = logit_scale.exp().clamp(max=100.0) * img @ txt.t()
    y = torch.arange(img.shape[0])
    return (F.cross_entropy(logits, y) + F.cross_entropy(logits.t(), y)) / 2


def trim(ids):
    """Cut ids after the longest caption of the batch (equal result under the causal mask)."""
    n = int(ids.argmax(dim=-1).max()) + 1
    return ids[:, :n]


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        # Weight decay on matrices only (as CLIP): not on gains, biases, embeddings, positions or the temperature.
        if p.ndim >= 2 and "embedding" not in name:
            decay.append(p)
        else:
            no_decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def embed_images(model, tensors, batch=128):
    out = []
    with torch.no_grad():
        for i in range(0, len(tensors), batch):
            out.append(model.visual(torch.from_numpy(np.stack(tensors[i:i + batch]))))
    return torch.cat(out)


def zeroshot(model, images, labels, classes, work):
    ids = tokenize([t.format(c) for c in classes for t in DTD_TEMPLATES], work)
    with torch.no_grad():
        t = model.text(ids)
    t = t / t.norm(dim=-1, keepdim=True)
    w = t.reshape(len(classes), len(DTD_TEMPLATES), -1).mean(1)
    w = w / w.norm(dim=-1, keepdim=True)
    e = embed_images(model, images)
    e = e / e.norm(dim=-1, keepdim=True)
    pred = (e @ w.t()).argmax(-1).numpy()
    return float((pred == np.array(labels)).mean())


def heldout(work, per_class, size):
    d = synth(work, 0, per_class, size)
    with open(os.path.join(d, "labels", "test1.txt")) as f:
        files = [line.strip() for line in f if line.strip()]
    classes = sorted(os.listdir(os.path.join(d, "images")))
    labels = [classes.index(p.split("/")[0]) for p in files]
    images = [clip_transform(load(os.path.join(d, "images", p))) for p in files]
    return d, files, classes, labels, images


def loss_svg(losses, path, title):
    W, H, pad = 640, 320, 44
    n = len(losses)
    smooth, acc = [], None
    for v in losses:
        acc = v if acc is None else 0.95 * acc + 0.05 * v
        smooth.append(acc)
    top = math.ceil(max(losses))
    xs = lambda i: pad + (W - 2 * pad) * i / max(1, n - 1)  # noqa: E731
    ys = lambda v: H - pad - (H - 2 * pad) * v / top  # noqa: E731
    raw = " ".join(f"{xs(i):.1f},{ys(v):.1f}" for i, v in enumerate(losses))
    sm = " ".join(f"{xs(i):.1f},{ys(v):.1f}" for i, v in enumerate(smooth))
    ticks = "".join(f'<line x1="{pad-4}" x2="{pad}" y1="{ys(v):.1f}" y2="{ys(v):.1f}" stroke="#444"/><text x="{pad-8}" y="{ys(v)+4:.1f}" text-anchor="end">{v}</text>' for v in range(0, top + 1))
    xt = "".join(f'<text x="{xs(i):.1f}" y="{H-pad+16}" text-anchor="middle">{i}</text>' for i in range(0, n, max(1, (n // 5) // 100 * 100 or 1)))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">'
           f'<rect width="{W}" height="{H}" fill="white"/><text x="{W/2}" y="18" text-anchor="middle" font-size="13">{title}</text>'
           f'<line x1="{pad}" y1="{H-pad}" x2="{W-pad}" y2="{H-pad}" stroke="#444"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{H-pad}" stroke="#444"/>'
           f'{ticks}{xt}<text x="{W/2}" y="{H-8}" text-anchor="middle">step</text>'
           f'<text x="12" y="{H/2}" transform="rotate(-90 12 {H/2})" text-anchor="middle">loss</text>'
           f'<polyline points="{raw}" fill="none" stroke="#9ecae1" stroke-width="1"/>'
           f'<polyline points="{sm}" fill="none" stroke="#08519c" stroke-width="2"/></svg>\n')
    with open(path, "w") as f:
        f.write(svg)


# ---------------------------------------------------------------------------------------------- export

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(model, out, name, logit_scale, description):
    model.eval()
    img_path, txt_path = os.path.join(out, "image.onnx"), os.path.join(out, "text.onnx")
    torch.onnx.export(model.visual, (torch.randn(2, 3, M.IMAGE, M.IMAGE),), img_path, input_names=["pixel_values"],
                      output_names=["image_embeds"], dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
                      opset_version=17, dynamo=False)
    ids = torch.zeros(2, M.CTX, dtype=torch.long)
    ids[:, 0], ids[0, 1:4], ids[0, 4], ids[1, 1] = 49406, torch.tensor([320, 1125, 539]), 49407, 49407
    torch.onnx.export(model.text, (ids,), txt_path, input_names=["input_ids"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}}, opset_version=17, dynamo=False)
    card = {
        "format": "clip-topo/model@1",
        "name": name,
        "description": description,
        "embed_dim": model.cfg["embed_dim"],
        "image_size": M.IMAGE,
        "mean": list(M.MEAN),
        "std": list(M.STD),
        "interpolation": "bicubic",
        "resize": "shortest",
        "context_length": M.CTX,
        "logit_scale": logit_scale,
        "vocab": {"name": "bpe_simple_vocab_16e6", "sha256": sha256(os.path.join(ROOT, "models", "vocab", "bpe_simple_vocab_16e6.txt.gz"))},
        "image": {"file": "image.onnx", "sha256": sha256(img_path), "input": "pixel_values", "output": "image_embeds"},
        "text": {"file": "text.onnx", "sha256": sha256(txt_path), "input": "input_ids", "output": "text_embeds"},
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return img_path, txt_path


def check_onnx(model, img_path, txt_path, images, ids):
    """1 - cosine between ONNX (onnxruntime) and PyTorch embeddings; returns the worst of each tower."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    x = np.stack(images)
    with torch.no_grad():
        pi = model.visual(torch.from_numpy(x)).double().numpy()
        pt = model.text(ids).double().numpy()
    oi = ort.InferenceSession(img_path, so).run(None, {"pixel_values": x})[0].astype(np.float64)
    ot = ort.InferenceSession(txt_path, so).run(None, {"input_ids": ids.numpy()})[0].astype(np.float64)
    cos = lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)  # noqa: E731
    return float((1 - cos(pi, oi)).max()), float((1 - cos(pt, ot)).max())


def write_fixture(model, fixture, d, files, classes, name):
    """A few held-out images (seed 0, test split) and prompts with their PyTorch embeddings, for the TS test."""
    os.makedirs(fixture, exist_ok=True)
    picks = [files[i] for i in range(0, len(files), len(files) // 6)][:6]
    rows = []
    tensors = []
    for p in picks:
        dst = p.replace("/", "__")
        shutil.copyfile(os.path.join(d, "images", p), os.path.join(fixture, dst))
        tensors.append(clip_transform(load(os.path.join(fixture, dst))))
        rows.append(dst)
    prompts = [DTD_TEMPLATES[i % 8].format(classes[(5 * i) % len(classes)]) for i in range(8)] + [
        "a close-up photo of a blue and white chequered fabric", "striped", "", "a photo of a polka-dotted pattern in red and cream."]
    ids = tokenize(prompts, os.path.dirname(d))
    with torch.no_grad():
        ie = model.visual(torch.from_numpy(np.stack(tensors))).double()
        te = model.text(ids).double()
    ie = ie / ie.norm(dim=-1, keepdim=True)
    te = te / te.norm(dim=-1, keepdim=True)
    doc = {
        "model": f"models/{name}",
        "note": "L2-normalised float64 PyTorch embeddings (models/train/train.py --fixture); images are synth seed 0 (held out), CLIP's transform in PIL",
        "images": [{"file": f, "embedding": ie[i].tolist()} for i, f in enumerate(rows)],
        "prompts": [{"text": p, "ids": ids[i].tolist(), "embedding": te[i].tolist()} for i, p in enumerate(prompts)],
    }
    with open(os.path.join(fixture, "embeddings.json"), "w") as f:
        json.dump(doc, f)
        f.write("\n")
    return tensors, ids


# ---------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="model directory to write (model.json, image.onnx, text.onnx, training log)")
    ap.add_argument("--name", default="clip-topo-mini")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "clip-topo-train"), help="generated data (reused across runs)")
    ap.add_argument("--seeds", default="1,2,3,4,5,6,7,8", help="synth seeds to train on (never 0: the held-out set)")
    ap.add_argument("--per-class", type=int, default=120)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--variants", type=int, default=12, help="generated phrasings per image (besides its synth caption)")
    ap.add_argument("--seed", type=int, default=1234, help="seed of initialisation, sampling and augmentation")
    ap.add_argument("--fixture", help="also write the TS test fixture here (test/fixtures/<name>)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=500, help="log held-out zero-shot top-1 every n steps (uses no randomness)")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    if 0 in seeds:
        ap.error("seed 0 is the held-out set and must not be trained on")

    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()

    # Data: paths, captions and their token ids.
    paths, texts, variant_of = [], [], []
    for s in seeds:
        d = synth(a.work, s, a.per_class, a.size)
        for row in read_captions(d):
            vs = [row["caption"]] + phrasings(row, rng, a.variants)
            variant_of.append((len(texts), len(vs)))
            texts.extend(vs)
            paths.append(os.path.join(d, row["image"]))
    ids = tokenize(texts, a.work)
    log(f"{len(paths)} training images, {len(texts)} captions ({len(set(texts))} distinct)")
    d0, files0, classes, labels0, images0 = heldout(a.work, a.per_class, a.size)
    t_data = time.time() - t_start

    model = M.Clip(M.CONFIG)
    n_params = {"image": sum(p.numel() for p in model.visual.parameters()), "text": sum(p.numel() for p in model.text.parameters())}
    log("parameters", n_params)
    opt = torch.optim.AdamW(param_groups(model, a.wd), lr=a.lr, betas=(0.9, 0.98), eps=1e-6)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / a.warmup if s < a.warmup else 0.5 * (1 + math.cos(math.pi * (s - a.warmup) / max(1, a.steps - a.warmup))))

    order, pos, epoch = [], 0, 0
    losses = []
    t0 = time.time()
    model.train()
    for step in range(a.steps):
        if pos + a.batch > len(order):
            order = list(range(len(paths)))
            rng.shuffle(order)
            pos, epoch = 0, epoch + 1
        batch = order[pos:pos + a.batch]
        pos += a.batch
        x = torch.from_numpy(np.stack([augmented(load(paths[i]), rng) for i in batch]))
        # The synth caption 30% of the time, otherwise one of the generated phrasings.
        rows = []
        for i in batch:
            first, n = variant_of[i]
            rows.append(first if rng.random() < 0.3 else first + rng.randrange(1, n))
        t = trim(ids[rows])
        loss = clip_loss(model.visual(x), model.text(t), model.logit_scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        with torch.no_grad():
            model.logit_scale.clamp_(max=math.log(100.0))
        losses.append(loss.item())
        if step % 50 == 0 or step == a.steps - 1:
            el = time.time() - t0
            log(f"step {step} epoch {epoch} loss {losses[-1]:.4f} scale {model.logit_scale.exp().item():.1f} "
                f"{el:.0f}s ({el / (step + 1):.2f} s/step)")
        if a.eval_every and (step + 1) % a.eval_every == 0 and step + 1 < a.steps:
            t_eval = time.time()
            model.eval()
            log(f"step {step + 1}: held-out zero-shot top-1 {zeroshot(model, images0, labels0, classes, a.work):.4f}")
            model.train()
            t0 += time.time() - t_eval
    t_train = time.time() - t0
    model.eval()

    acc = zeroshot(model, images0, labels0, classes, a.work)
    scale = float(model.logit_scale.exp())
    log(f"PyTorch zero-shot top-1 on synth seed 0 test: {acc:.4f}; logit scale {scale:.3f}; training {t_train:.0f} s")

    desc = (f"small CLIP trained by clip-topo on its synthetic textures (models/train/train.py); "
            f"zero-shot top-1 {acc:.3f} on the held-out synth seed 0 test split")
    img_path, txt_path = export(model, a.out, a.name, scale, desc)
    probe = images0[::97]
    probe_ids = tokenize([t.format(c) for c in classes[::3] for t in DTD_TEMPLATES[::3]] + ["a red and blue striped fabric"], a.work)
    if a.fixture:
        fx_images, fx_ids = write_fixture(model, a.fixture, d0, files0, classes, a.name)
        probe = probe + fx_images
        probe_ids = torch.cat([probe_ids, fx_ids])
    err_i, err_t = check_onnx(model, img_path, txt_path, probe, probe_ids)
    log(f"ONNX vs PyTorch, max 1 - cos: image {err_i:.2e}, text {err_t:.2e}")
    if max(err_i, err_t) > 1e-5:
        raise SystemExit("ONNX export differs from PyTorch")

    report = {
        "name": a.name, "config": M.CONFIG, "parameters": n_params, "seeds": seeds, "per_class": a.per_class,
        "size": a.size, "training_images": len(paths), "captions": len(texts), "distinct_captions": len(set(texts)),
        "steps": a.steps, "batch": a.batch, "lr": a.lr, "wd": a.wd, "warmup": a.warmup, "seed": a.seed,
        "threads": a.threads, "epochs": a.steps * a.batch / len(paths),
        "data_seconds": round(t_data, 1), "train_seconds": round(t_train, 1),
        "logit_scale": scale, "pytorch_zeroshot_top1_seed0_test": acc,
        "onnx_vs_torch_max_1_minus_cos": {"image": err_i, "text": err_t},
        "loss_first": losses[0], "loss_last": losses[-1],
        "torch": torch.__version__,
    }
    with open(os.path.join(a.out, "training.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    with open(os.path.join(a.out, "loss.csv"), "w") as f:
        f.write("step,loss\n" + "".join(f"{i},{v:.5f}\n" for i, v in enumerate(losses)))
    loss_svg(losses, os.path.join(a.out, "loss.svg"), f"{a.name}: CLIP loss per step (batch {a.batch}; light: raw, dark: EMA 0.95)")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
