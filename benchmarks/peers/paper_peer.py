#!/usr/bin/python3
"""Python peer of bench_paper: the probe's fine-tuning step at the paper's scale, as an expert PyTorch user
writes it: a VGG16-shaped SegNet (or segnet-small) whose decoder is trained through a frozen torchvision
ResNet-50 (eager, eval, requires_grad off) at its own 224 px input, encoder under no_grad, Adam. Prints JSON: images/s, FLOPs of one
step, the 3x3 convolution ceiling, peak resident memory.
Usage: paper_peer.py THREADS PRESET SIZE BATCH STEPS"""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, __import__("os").path.dirname(__file__))
from probe_peer import SegNetSmall, conv_gflops, forward_flops  # noqa: E402

STAGES = {"segnet-vgg16": ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
          "segnet-small": ((32, 32), (64, 64), (128, 128))}
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def main():
    threads, preset, size, batch, steps = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    classifier = torchvision.models.resnet50(weights=None).eval().requires_grad_(False)
    autoencoder = SegNetSmall(STAGES[preset]).train()
    autoencoder.encoder.eval().requires_grad_(False)
    parameters = list(autoencoder.decoder.parameters()) + list(autoencoder.output.parameters())
    optimizer = torch.optim.Adam(parameters, lr=2e-4)
    images = torch.rand(batch, 3, size, size)
    labels = torch.randint(0, 1000, (batch,))

    def to_classifier(reconstruction):
        # The classifier's own input is 224 px: the probe brings other sizes to it (bilinear; antialiased when
        # shrinking), as NetSight's Classifier::prepare does.
        if reconstruction.shape[-1] != 224:
            reconstruction = F.interpolate(reconstruction, size=(224, 224), mode="bilinear", align_corners=False,
                                           antialias=reconstruction.shape[-1] > 224)
        return (reconstruction - MEAN) / STD

    def step():
        with torch.no_grad():
            code, indices, sizes = autoencoder.encode(images)
        reconstruction = autoencoder.decode(code, indices, sizes)
        loss = F.cross_entropy(classifier(to_classifier(reconstruction)), labels)
        loss.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    class Encode(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = autoencoder.encoder

        def forward(self, x):
            return autoencoder.encode(x)

    class Decode(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.decoder, self.output = autoencoder.decoder, autoencoder.output

        def forward(self, code, indices, sizes):
            return autoencoder.decode(code, indices, sizes)

    one = images[:1]
    encoder_flops, (code, indices, sizes) = forward_flops(Encode(), one)
    decoder_flops, reconstruction = forward_flops(Decode(), code, indices, sizes)
    classifier_flops, _ = forward_flops(classifier, to_classifier(reconstruction))
    print(json.dumps({"threads": threads, "images_per_second": steps * batch / seconds,
                      "seconds_per_step": seconds / steps, "peak_rss_mb": peak,
                      "flops_per_image": encoder_flops + 3 * decoder_flops + 2 * classifier_flops,
                      "conv_gflops": conv_gflops()}))


if __name__ == "__main__":
    main()
