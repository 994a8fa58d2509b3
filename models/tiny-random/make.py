"""A tiny, randomly initialised CLIP with the real architecture, exported to ONNX for tests.

Usage: python make.py   (torch, onnx, numpy, Pillow)
Writes image.onnx, text.onnx and model.json here, and the PyTorch reference embeddings for the fixture
images and some prompts to test/fixtures/clip/tiny_embeddings.json.

Architecture as in OpenAI CLIP (written from the paper and the released model's structure):
- image tower: ViT, 224 px input, 32 px patches (a 7x7 grid + class token), conv patch embedding without
  bias, learned positions, pre-LN, residual attention blocks (LN -> multi-head attention, LN -> MLP with
  QuickGELU x*sigmoid(1.702x)), LN on the class token, linear projection;
- text tower: token + learned position embeddings over 77 tokens, the same blocks under a causal mask,
  final LN, the feature at argmax(input_ids) (the EOT token, the highest id), linear projection;
- logit scale exp(s) = 100, as in the released models.
Widths are tiny (vision 32, text 16) so the files stay small; the weights are random (seed 0) and the model
means nothing: it only checks that clip-topo computes what PyTorch computes.
"""
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "test", "fixtures", "clip")
sys.path.insert(0, FIX)

torch.manual_seed(0)
IMAGE, PATCH, VW, VLAYERS, VHEADS = 224, 32, 32, 2, 4
CTX, VOCAB, TW, TLAYERS, THEADS = 77, 49408, 16, 2, 2
EMBED = 16
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, causal):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        self.causal = causal

    def forward(self, x):
        n = x.shape[1]
        mask = torch.full((n, n), float("-inf")).triu(1) if self.causal else None
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Vision(nn.Module):
    def __init__(self, width=VW, layers=VLAYERS, heads=VHEADS, embed=EMBED):
        super().__init__()
        g = IMAGE // PATCH
        self.width = width
        self.conv1 = nn.Conv2d(3, width, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(g * g + 1, width) * width ** -0.5)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.Sequential(*[Block(width, heads, False) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, embed) * width ** -0.5)

    def forward(self, pixel_values):
        x = self.conv1(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, self.width)
        x = torch.cat([cls, x], 1) + self.positional_embedding
        x = self.blocks(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj


class Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, TW)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.positional_embedding = nn.Parameter(torch.randn(CTX, TW) * 0.01)
        self.blocks = nn.Sequential(*[Block(TW, THEADS, True) for _ in range(TLAYERS)])
        self.ln_final = nn.LayerNorm(TW)
        self.text_projection = nn.Parameter(torch.randn(TW, EMBED) * TW ** -0.5)

    def forward(self, input_ids):
        x = self.token_embedding(input_ids) + self.positional_embedding
        x = self.ln_final(self.blocks(x))
        eot = input_ids.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection


def main():
    # Random LayerNorm affine parameters too, so a port that ignored them would fail.
    vision, text = Vision().eval(), Text().eval()
    with torch.no_grad():
        for m in list(vision.modules()) + list(text.modules()):
            if isinstance(m, nn.LayerNorm):
                m.weight.add_(torch.randn_like(m.weight) * 0.1)
                m.bias.add_(torch.randn_like(m.bias) * 0.1)


    def export(model, example, name, input_name, output_name):
        path = os.path.join(HERE, name)
        torch.onnx.export(model, (example,), path, input_names=[input_name], output_names=[output_name],
                          dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}}, opset_version=17, dynamo=False)
        return path


    def sha256(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()


    img_path = export(vision, torch.randn(2, 3, IMAGE, IMAGE), "image.onnx", "pixel_values", "image_embeds")
    ids = torch.zeros(2, CTX, dtype=torch.long)
    ids[:, 0], ids[0, 1:4], ids[0, 4], ids[1, 1] = 49406, torch.tensor([320, 1125, 539]), 49407, 49407
    txt_path = export(text, ids, "text.onnx", "input_ids", "text_embeds")

    card = {
        "format": "clip-topo/model@1",
        "name": "tiny-random",
        "description": "randomly initialised CLIP-shaped model for tests (models/tiny-random/make.py); meaningless weights",
        "embed_dim": EMBED,
        "image_size": IMAGE,
        "mean": list(MEAN),
        "std": list(STD),
        "interpolation": "bicubic",
        "resize": "shortest",
        "context_length": CTX,
        "logit_scale": 100.0,
        # No "file": the vocabulary bundled with clip-topo (models/vocab), checked by its hash.
        "vocab": {"name": "bpe_simple_vocab_16e6", "sha256": sha256(os.path.join(HERE, "..", "vocab", "bpe_simple_vocab_16e6.txt.gz"))},
        "image": {"file": "image.onnx", "sha256": sha256(img_path), "input": "pixel_values", "output": "image_embeds"},
        "text": {"file": "text.onnx", "sha256": sha256(txt_path), "input": "input_ids", "output": "text_embeds"},
    }
    with open(os.path.join(HERE, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")

    # Reference embeddings: the fixture images through CLIP's transform (make_images.clip_crop, which the
    # preprocessing tests check against), the prompts through open_clip's tokenizer (tokens.json).
    with open(os.path.join(FIX, "images", "cases.json")) as f:
        cases = json.load(f)["cases"]
    with open(os.path.join(FIX, "tokens.json")) as f:
        tokens = json.load(f)
    prompts = tokens["prompts"][::8][:24] + [t for t in tokens["tricky"] if t["length"] <= CTX][:12]


    def tensor_of(name):
        rgb = np.asarray(Image.open(os.path.join(FIX, "images", f"{name}.ref.png")).convert("RGB"), dtype=np.float32) / 255.0
        return ((rgb - np.array(MEAN, np.float32)) / np.array(STD, np.float32)).transpose(2, 0, 1)


    with torch.no_grad():
        x = torch.from_numpy(np.stack([tensor_of(c["name"]) for c in cases]))
        img = vision(x).double()
        t = text(torch.tensor([p["ids"] for p in prompts], dtype=torch.long)).double()
    img = img / img.norm(dim=-1, keepdim=True)
    t = t / t.norm(dim=-1, keepdim=True)
    out = {
        "model": "models/tiny-random",
        "note": "L2-normalised float64 embeddings from PyTorch (make.py); images preprocessed by make_images.clip_crop",
        "images": [{"file": c["file"], "embedding": img[i].tolist()} for i, c in enumerate(cases)],
        "prompts": [{"text": p["text"], "embedding": t[i].tolist()} for i, p in enumerate(prompts)],
        "logits_scale": 100.0,
    }
    with open(os.path.join(FIX, "tiny_embeddings.json"), "w") as f:
        json.dump(out, f)
    print("wrote", img_path, os.path.getsize(img_path), txt_path, os.path.getsize(txt_path))


if __name__ == "__main__":
    main()
