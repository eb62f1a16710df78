#!/usr/bin/python3
"""The Python PyTorch peer of bench_attribution: Grad-CAM at layer4[-1] and integrated gradients (32 steps,
black baseline, the 32 path points of one image per pass) on torchvision's ResNet-18 at 224 px, batch 16, the
classes explained being the predictions. Written as pytorch-grad-cam and Captum do it: forward and backward
hooks on the eager model (hooks do not work on the TorchScript file, so the eager torchvision model gets its
weights). Usage: attribution_peer.py THREADS RESNET18.pt. Prints JSON {"grad-cam": images/s,
"integrated-gradients": images/s}."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class GradCam:
    """pytorch-grad-cam's way: a forward hook keeps the activation, a tensor hook its gradient."""

    def __init__(self, model, layer):
        self.model, self.activation, self.gradient = model, None, None
        self.handle = layer.register_forward_hook(self.keep)

    def keep(self, module, inputs, output):
        self.activation = output

        def keep_gradient(gradient):
            self.gradient = gradient

        output.register_hook(keep_gradient)

    def __call__(self, images):
        x = ((images - MEAN) / STD).requires_grad_(True)
        logits = self.model(x)
        classes = logits.argmax(1)
        logits.gather(1, classes.view(-1, 1)).sum().backward()
        weights = self.gradient.mean((2, 3), keepdim=True)
        cam = F.relu((weights * self.activation).sum(1, keepdim=True))
        return F.interpolate(cam, size=images.shape[-2:], mode="bilinear", align_corners=False).detach()


def integrated_gradients(model, images, steps=32):
    with torch.no_grad():
        classes = model((images - MEAN) / STD).argmax(1)
    baseline = torch.zeros_like(images)
    maps = []
    alphas = ((torch.arange(steps, dtype=torch.float32) + 0.5) / steps).view(-1, 1, 1, 1)
    for i in range(images.shape[0]):
        path = (baseline[i : i + 1] + alphas * (images[i : i + 1] - baseline[i : i + 1])).requires_grad_(True)
        logits = model((path - MEAN) / STD)
        score = logits[:, classes[i]].sum()
        (gradient,) = torch.autograd.grad(score, path)
        maps.append((images[i] - baseline[i]) * gradient.mean(0))
    return torch.stack(maps)


def measure(function, images, seconds):
    function(images[:2])  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        function(images).sum().item()
        done += images.shape[0]
    return done / (time.perf_counter() - start)


def main():
    threads = int(sys.argv[1]) if int(sys.argv[1]) > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    model = torchvision.models.resnet18(num_classes=10)
    model.load_state_dict(torch.jit.load(sys.argv[2]).state_dict())
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    torch.manual_seed(0)
    images = torch.rand(16, 3, 224, 224)
    results = {"threads": threads}
    cam = GradCam(model, model.layer4[-1])
    results["grad-cam"] = measure(cam, images, 5.0)
    cam.handle.remove()  # as pytorch-grad-cam's release(): a hook left behind breaks later no-grad passes
    results["integrated-gradients"] = measure(lambda x: integrated_gradients(model, x), images, 5.0)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
