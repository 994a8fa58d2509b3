"""clip-topo-mini: a small CLIP (image ViT + causal text transformer) with OpenAI CLIP's structure.

Image tower: ViT at 224 px on a 7x7 grid + class token (as with 32 px patches), the patch embedding a
small convolutional stem (strides 4, 2, 2, 2), learned positions, pre-LN residual blocks (LN -> multi-head self-attention, LN -> MLP with
QuickGELU x*sigmoid(1.702x)), LN on the class token, linear projection.
Text tower: CLIP's BPE vocabulary (49,408 ids), context 77. The token embedding is narrow (TOKEN_WIDTH)
and mapped to the text width by a linear layer, so that the 49,408-row table stays small; learned
positions, the same blocks under a causal mask, final LN, the feature at argmax(ids) (EOT, the highest
id), linear projection. Under the causal mask the EOT feature does not depend on anything after it, so
training may cut the ids after the longest caption of a batch: the result is the same function.
"""
import math

import torch
from torch import nn

IMAGE, PATCH, CTX, VOCAB = 224, 32, 77, 49408
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
        mask = torch.full((n, n), float("-inf"), device=x.device).triu(1) if self.causal else None
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Stem(nn.Module):
    """Convolutional patch embedding: 224 px -> a 7x7 grid of `width` features, like a 32 px patchify but
    with nonlinear, shift-tolerant local filters (textures are made of small repeated marks, which a
    single linear map of a 32x32 patch only detects at fixed positions; early convolutions also make small
    ViTs learn faster from little data). Strides 4, 2, 2, 2; BatchNorm (an affine map at inference)."""

    def __init__(self, width, c=24):
        super().__init__()

        def conv(i, o, k, s, p):
            return [nn.Conv2d(i, o, k, s, p, bias=False), nn.BatchNorm2d(o), nn.ReLU()]

        self.net = nn.Sequential(*conv(3, c, 4, 4, 0), *conv(c, 2 * c, 3, 2, 1), *conv(2 * c, 4 * c, 3, 2, 1),
                                 nn.Conv2d(4 * c, width, 2, 2, 0, bias=False))

    def forward(self, x):
        return self.net(x)


class Vision(nn.Module):
    def __init__(self, width, layers, heads, embed):
        super().__init__()
        g = IMAGE // PATCH
        self.width = width
        self.conv1 = Stem(width)
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
    def __init__(self, token_width, width, layers, heads, embed):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, token_width)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.token_up = nn.Linear(token_width, width, bias=False)
        self.positional_embedding = nn.Parameter(torch.randn(CTX, width) * 0.01)
        self.blocks = nn.Sequential(*[Block(width, heads, True) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.randn(width, embed) * width ** -0.5)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.token_up(self.token_embedding(input_ids)) + self.positional_embedding[:n]
        x = self.ln_final(self.blocks(x))
        eot = input_ids.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection


class Clip(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        self.visual = Vision(cfg["vision_width"], cfg["vision_layers"], cfg["vision_heads"], cfg["embed_dim"])
        self.text = Text(cfg["token_width"], cfg["text_width"], cfg["text_layers"], cfg["text_heads"], cfg["embed_dim"])
        # CLIP's temperature: logits = exp(s) * cos, s initialised at ln(1/0.07), exp(s) clamped at 100.
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


CONFIG = {
    "embed_dim": 128,
    "vision_width": 128, "vision_layers": 3, "vision_heads": 4,
    "token_width": 64, "text_width": 128, "text_layers": 2, "text_heads": 4,
}
