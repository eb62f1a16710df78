#!/usr/bin/python3
"""Export a PyTorch classifier as TorchScript with NetSight's metadata inside the archive.

The path a PyTorch user takes to bring a model into NetSight:

    tools/export_torchvision.py resnet18 -o resnet18.pt --mode script --classes 10 --size 64

Weights come from a state-dict file (--weights) or stay as initialised; nothing is downloaded.
Uses Debian's python3-torch / python3-torchvision (the same LibTorch NetSight runs on).
"""
import argparse
import json
import sys

import torch
import torchvision

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a torchvision.models constructor name, e.g. resnet18, vgg11, inception_v3")
    parser.add_argument("-o", "--output", required=True, help="TorchScript file to write")
    parser.add_argument("--mode", choices=["script", "trace"], default="script")
    parser.add_argument("--classes", type=int, default=1000, help="number of output classes")
    parser.add_argument("--class-names", help="file with one class name per line")
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--channels", type=int, default=3, choices=[1, 3])
    parser.add_argument("--mean", type=float, nargs="+", default=IMAGENET_MEAN)
    parser.add_argument("--std", type=float, nargs="+", default=IMAGENET_STD)
    parser.add_argument("--weights", help="a state_dict saved with torch.save to load first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sidecar", action="store_true", help="write metadata as OUTPUT.json instead of inside")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    constructor = getattr(torchvision.models, args.model, None)
    if constructor is None:
        parser.error(f"torchvision.models has no model '{args.model}'")
    kwargs = {"num_classes": args.classes}
    if args.model.startswith(("inception", "googlenet")):
        kwargs.update(aux_logits=False, init_weights=True)
    model = constructor(**kwargs)
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    model.eval()

    if args.class_names:
        with open(args.class_names) as handle:
            names = [line.strip() for line in handle if line.strip()]
    else:
        names = [f"class {i}" for i in range(args.classes)]
    if len(names) != args.classes:
        parser.error(f"{args.class_names} names {len(names)} classes, the model has {args.classes}")

    meta = {
        "netsight_model": 1,
        "architecture": f"torchvision.{args.model}",
        "input": {"channels": args.channels, "height": args.size, "width": args.size,
                  "mean": args.mean, "std": args.std},
        "classes": names,
        "training": {"data": "", "epochs": 0},
    }
    example = torch.zeros(1, args.channels, args.size, args.size)
    with torch.no_grad():
        scripted = torch.jit.script(model) if args.mode == "script" else torch.jit.trace(model, example)
    text = json.dumps(meta, indent=2)
    if args.sidecar:
        scripted.save(args.output)
        with open(args.output.rsplit(".", 1)[0] + ".json", "w") as handle:
            handle.write(text)
    else:
        scripted.save(args.output, _extra_files={"netsight.json": text})
    print(f"wrote {args.output} ({args.model}, {'scripted' if args.mode == 'script' else 'traced'}, torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
