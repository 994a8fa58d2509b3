"""A randomly initialised image tower with ViT-B/32's exact shape (224 px, 32 px patches, width 768,
12 layers, 12 heads, 512-d projection), for timing only: same FLOPs as OpenAI's ViT-B/32 image encoder.
Usage: python make_model.py <out dir>   (writes image.onnx + model.json; ~350 MB, not committed)"""
import hashlib
import importlib.util
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("tiny", os.path.join(HERE, "..", "..", "models", "tiny-random", "make.py"))
tiny = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tiny)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
vision = tiny.Vision(width=768, layers=12, heads=12, embed=512).eval()
path = os.path.join(out, "image.onnx")
torch.onnx.export(vision, (torch.randn(2, 3, 224, 224),), path, input_names=["pixel_values"], output_names=["image_embeds"],
                  dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=17, dynamo=False)
with open(path, "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
with open(os.path.join(out, "model.json"), "w") as f:
    json.dump({"format": "clip-topo/model@1", "name": "vit-b-32-shape-random", "embed_dim": 512, "image_size": 224,
               "image": {"file": "image.onnx", "sha256": digest}, "logit_scale": 100}, f, indent=1)
print(path, os.path.getsize(path))
