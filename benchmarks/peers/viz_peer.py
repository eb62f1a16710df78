#!/usr/bin/python3
"""The Python PyTorch peer of bench_viz: a 128 px channel visualization of resnet-s (layer2.0 = layer2 block output, channel 5) with
Lucid's default Fourier parameterization (1/f spectrum, decorrelated colour, sigmoid) and transforms (pad 12,
jitter 8, random scale 0.9-1.1, rotation +-10 degrees, jitter 4), Adam lr 0.05, written as an expert would with
torch.fft; the layer is read with a forward hook as Lucent does. Prints JSON: {"iterations_per_second": ...}."""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_resnet_s import ResNetS  # noqa: E402

COLOUR = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOUR = COLOUR / COLOUR.norm(dim=0).max()


def fourier_image(size):
    fy = torch.fft.fftfreq(size).view(size, 1)
    fx = torch.fft.rfftfreq(size).view(1, size // 2 + 1)
    scale = 1.0 / torch.sqrt(fy * fy + fx * fx).clamp_min(1.0 / size) * size
    spectrum = (torch.randn(1, 3, size, size // 2 + 1, 2) * 0.01).requires_grad_(True)

    def image():
        spatial = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size)) / 4.0
        return torch.sigmoid(torch.einsum("nchw,dc->ndhw", spatial, COLOUR))

    return spectrum, image


def jitter(x, d):
    dy, dx = torch.randint(0, d + 1, (2,)).tolist()
    return x[:, :, dy:dy + x.shape[2] - d, dx:dx + x.shape[3] - d]


def transforms(x):
    x = F.pad(x, (12, 12, 12, 12), value=0.5)
    x = jitter(x, 8)
    s = 0.9 + 0.2 * torch.rand(1).item()
    x = F.interpolate(x, size=(round(x.shape[2] * s), round(x.shape[3] * s)), mode="bilinear", align_corners=False)
    a = (2 * torch.rand(1).item() - 1) * math.radians(10)
    theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]]).unsqueeze(0)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x - 0.5, grid, align_corners=False) + 0.5
    return jitter(x, 4)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ResNetS().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    captured = {}
    model.layer2.register_forward_hook(lambda module, inputs, output: captured.__setitem__("a", output))
    spectrum, image = fourier_image(128)
    optimizer = torch.optim.Adam([spectrum], lr=0.05)

    def step():
        model((transforms(image()) - 0.5) / 0.25)
        loss = -captured["a"][:, 5].mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(32):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3.0:
        step()
        steps += 1
    print(json.dumps({"threads": threads, "iterations_per_second": steps / (time.perf_counter() - start)}))


if __name__ == "__main__":
    main()
