#!/usr/bin/python3
"""The Python PyTorch peer of bench_train: resnet-s, one Adam step on a batch of 64, written the way an
expert PyTorch user would. Prints JSON: {"size": {"images_per_second": ...}}."""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout, kernel=3, stride=1, relu=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = relu

    def forward(self, x):
        x = self.bn(self.conv(x))
        return F.relu(x) if self.relu else x


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = ConvBnRelu(cin, cout, stride=stride)
        self.conv2 = ConvBnRelu(cout, cout, relu=False)
        self.downsample = ConvBnRelu(cin, cout, 1, stride, relu=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        identity = self.downsample(x) if self.downsample is not None else x
        return F.relu(self.conv2(self.conv1(x)) + identity)


class ResNetS(nn.Module):
    def __init__(self, channels=3, classes=10):
        super().__init__()
        self.stem = ConvBnRelu(channels, 16)
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(x.mean((2, 3)))


def measure(size, seconds=3.0, batch=64):
    torch.manual_seed(0)
    model = ResNetS()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
    images = torch.rand(batch, 3, size, size)
    labels = torch.randint(0, 10, (batch,))
    mean, std = 0.5, 0.25

    def step():
        logits = model((images - mean) / std)
        loss = F.cross_entropy(logits, labels)
        loss.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        (logits.argmax(1) == labels).sum().item()

    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    results = {str(size): {"images_per_second": measure(size)} for size in (32, 64)}
    results["threads"] = threads
    print(json.dumps(results))


if __name__ == "__main__":
    main()
