#!/usr/bin/python3
"""The Python PyTorch peer of bench_robustness: PGD (10 steps, L-infinity, radius 8/255, random start, each
step's success tracked, a last checking forward pass) on resnet-s at 32 px (batch 64) and on the same
TorchScript ResNet-18 at 224 px (batch 16), written the way an expert PyTorch user would.
Usage: robustness_peer.py THREADS [RESNET18.pt]. Prints JSON {"resnet-s": images/s, "resnet18": images/s}."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_resnet_s import ResNetS  # noqa: E402


def pgd(model, images, labels, radius, mean, std, steps=10):
    alpha = 2.5 * radius / steps
    delta = (torch.rand_like(images) * 2 - 1) * radius
    delta = (images + delta).clamp(0, 1) - images
    best = delta.clone()
    found = torch.zeros(images.shape[0], dtype=torch.bool)
    for _ in range(steps):
        delta.requires_grad_(True)
        logits = model((images + delta - mean) / std)
        loss = F.cross_entropy(logits, labels, reduction="sum")
        (gradient,) = torch.autograd.grad(loss, delta)
        with torch.no_grad():
            now = logits.argmax(1).ne(labels) & ~found
            best = torch.where(now.view(-1, 1, 1, 1), delta, best)
            found |= now
            delta = (delta + alpha * gradient.sign()).clamp(-radius, radius)
            delta = (images + delta).clamp(0, 1) - images
    with torch.no_grad():
        chosen = torch.where(found.view(-1, 1, 1, 1), best, delta)
        return model((images + chosen - mean) / std).argmax(1).ne(labels)


def measure(model, batch, size, mean, std, seconds):
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    model.eval()
    torch.manual_seed(0)
    images = torch.rand(batch, 3, size, size)
    labels = torch.randint(0, 10, (batch,))
    pgd(model, images, labels, 8 / 255, mean, std)  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        pgd(model, images, labels, 8 / 255, mean, std).sum().item()
        done += batch
    return done / (time.perf_counter() - start)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    results = {"threads": threads}
    results["resnet-s"] = measure(ResNetS(), 64, 32, 0.5, 0.25, 3.0)
    if len(sys.argv) > 2:
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        results["resnet18"] = measure(torch.jit.load(sys.argv[2]), 16, 224, mean, std, 5.0)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
