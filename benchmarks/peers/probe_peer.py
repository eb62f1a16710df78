#!/usr/bin/python3
"""Python peers of bench_probe, written as an expert PyTorch user would: the fine-tuning step (segnet-small
decoder trained through a frozen resnet10, encoder under no_grad, frozen parts with requires_grad off) and
NMI with scikit-image. Prints JSON."""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, kernel=3, stride=1, relu=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, cout, stride=stride)
        self.conv2 = conv_bn_relu(cout, cout, relu=False)
        self.down = conv_bn_relu(cin, cout, 1, stride, relu=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)) + (self.down(x) if self.down is not None else x))


class ResNet10(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn_relu(3, 32)
        self.blocks = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2), Block(128, 256, 2))
        self.fc = nn.Linear(256, classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


class SegNetSmall(nn.Module):
    def __init__(self, stages=((32, 32), (64, 64), (128, 128)), channels=3):
        super().__init__()
        self.encoder = nn.ModuleList()
        cin = channels
        for widths in stages:
            layers = []
            for w in widths:
                layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
                cin = w
            self.encoder.append(nn.Sequential(*layers))
        self.decoder = nn.ModuleList()
        for s in reversed(range(len(stages))):
            widths = [stages[s][-1]] * len(stages[s])
            widths[-1] = stages[s - 1][-1] if s > 0 else stages[0][0]
            layers, cin = [], stages[s][-1]
            for w in widths:
                layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
                cin = w
            self.decoder.append(nn.Sequential(*layers))
        self.output = nn.Conv2d(stages[0][0], channels, 1)

    def encode(self, x):
        indices, sizes = [], []
        for stage in self.encoder:
            x = stage(x)
            sizes.append(x.shape[-2:])
            x, i = F.max_pool2d(x, 2, 2, return_indices=True)
            indices.append(i)
        return x, indices, sizes

    def decode(self, x, indices, sizes):
        for d, stage in enumerate(self.decoder):
            s = len(indices) - 1 - d
            x = stage(F.max_unpool2d(x, indices[s], 2, 2, output_size=sizes[s]))
        return self.output(x)


def finetune_images_per_second(seconds=5.0, batch=64, size=64):
    torch.manual_seed(0)
    classifier = ResNet10().eval().requires_grad_(False)
    autoencoder = SegNetSmall().train()
    autoencoder.encoder.eval().requires_grad_(False)
    parameters = list(autoencoder.decoder.parameters()) + list(autoencoder.output.parameters())
    optimizer = torch.optim.Adam(parameters, lr=2e-4)
    images = torch.rand(batch, 3, size, size)
    labels = torch.randint(0, 10, (batch,))

    def step():
        with torch.no_grad():
            code, indices, sizes = autoencoder.encode(images)
        reconstruction = autoencoder.decode(code, indices, sizes)
        loss = F.cross_entropy(classifier((reconstruction - 0.5) / 0.25), labels)
        loss.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(2):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def forward_flops(module, *inputs):
    """Multiply-adds x 2 of the convolutions and linear layers in one forward of `module`."""
    total = [0]

    def count(layer, _inputs, output):
        if isinstance(layer, nn.Conv2d):
            total[0] += 2 * output.numel() * layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, nn.Linear):
            total[0] += 2 * output.numel() * layer.in_features

    hooks = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        result = module(*inputs)
    for hook in hooks:
        hook.remove()
    return total[0], result


def finetune_step_flops(batch=64, size=64):
    """FLOPs of one fine-tuning step: the frozen encoder forward (1x), the decoder forward and backward (3x:
    input and weight gradients), the frozen classifier forward and backward to its input (2x)."""
    classifier, autoencoder = ResNet10().eval(), SegNetSmall().eval()
    images = torch.rand(batch, 3, size, size)

    class Encode(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = autoencoder.encoder  # registered, so that its convolutions are counted

        def forward(self, x):
            return autoencoder.encode(x)

    class Decode(nn.Module):
        def __init__(self):
            super().__init__()
            self.decoder, self.output = autoencoder.decoder, autoencoder.output

        def forward(self, code, indices, sizes):
            return autoencoder.decode(code, indices, sizes)

    encoder_flops, (code, indices, sizes) = forward_flops(Encode(), images)
    decoder_flops, reconstruction = forward_flops(Decode(), code, indices, sizes)
    classifier_flops, _ = forward_flops(classifier, reconstruction)
    return encoder_flops + 3 * decoder_flops + 2 * classifier_flops


def conv_gflops(seconds=2.0):
    x, w = torch.rand(16, 128, 64, 64), torch.rand(128, 128, 3, 3)
    with torch.no_grad():
        F.conv2d(x, w, padding=1)
        runs, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            F.conv2d(x, w, padding=1)
            runs += 1
    return 2.0 * 16 * 128 * 64 * 64 * 128 * 9 * runs / (time.perf_counter() - start) / 1e9


def nmi_pairs_per_second(bins):
    try:
        from skimage.metrics import normalized_mutual_information
    except ImportError:
        return None
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(16)]
    for i in range(1, len(images)):
        images[i].reshape(-1)[::2] = images[i - 1].reshape(-1)[::2]
    pairs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        for i in range(len(images) - 1):
            normalized_mutual_information(images[i], images[i + 1], bins=bins)
        pairs += len(images) - 1
    return pairs / (time.perf_counter() - start)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    print(json.dumps({"threads": threads, "finetune_images_per_second": finetune_images_per_second(),
                      "finetune_step_flops": finetune_step_flops(),
                      "conv_gflops": conv_gflops(), "nmi_pairs_per_second": {"256": nmi_pairs_per_second(256),
                                                                             "100": nmi_pairs_per_second(100)}}))


if __name__ == "__main__":
    main()
