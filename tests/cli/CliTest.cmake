# Exit codes and messages of netsight-cli that scripts rely on.
file(MAKE_DIRECTORY "${WORK}")

function(run expected_code)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "netsight-cli ${ARGN}: exit ${code}, expected ${expected_code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR "expected to find '${needle}' in:\n${text}")
  endif()
endfunction()

run(0 --help)
expect_contains("${OUT}" "data")
run(0 data info --help)
expect_contains("${OUT}" "factorworld")

run(0 data info "factorworld:classes=4,size=32,train=20,val=4,test=4")
expect_contains("${OUT}" "3x32x32")
expect_contains("${OUT}" "train 20 val 4 test 4")
expect_contains("${OUT}" "light.azimuth")

run(0 data preview "factorworld:classes=4,size=32,train=20,val=4,test=4" -o "${WORK}/sheet.png" --count 8 --split val)
if(NOT EXISTS "${WORK}/sheet.png")
  message(FATAL_ERROR "data preview wrote no PNG")
endif()

# Errors: exit 1 with the message on stderr; usage errors: exit 2.
run(1 data info "imagenet:/x")
expect_contains("${ERR}" "unknown data source 'imagenet:/x'")
run(1 data info "folder:/nonexistent/netsight-cli-test")
expect_contains("${ERR}" "does not exist")
run(1 data preview factorworld -o "${WORK}/x.png" --split dev)
expect_contains("${ERR}" "unknown split 'dev'")
run(1 data preview "factorworld:train=4,val=1,test=1,size=16" -o "${WORK}/no-such-folder/x.png")
expect_contains("${ERR}" "no-such-folder")
run(2 data preview factorworld)
run(2 data frobnicate)
run(2)

# The probe: a fine-tuning as a job of its own, and what a user gets wrong with it.
file(MAKE_DIRECTORY "${WORK}/probe")
file(WRITE "${WORK}/probe/experiment.json" [=[{"version": 1, "data": "factorworld:classes=3,size=16,train=60,val=12,test=30",
  "classifiers": [{"name": "a", "architecture": "resnet-s"}]}]=])
run(2 probe "${WORK}/probe" --device cpu)
expect_contains("${ERR}" "--device goes with --finetune")
run(1 probe "${WORK}/probe" --finetune nosuch)
expect_contains("${ERR}" "no classifier named 'nosuch' (it has: a)")
run(1 probe "${WORK}/probe" --finetune a --device tpu)
expect_contains("${ERR}" "tpu")

# A run, then a setting changed: the next run refuses the stale stages until they are discarded.
file(REMOVE_RECURSE "${WORK}/stale")
file(WRITE "${WORK}/stale/experiment.json" [=[{"version": 1, "data": "factorworld:classes=3,size=16,train=60,val=12,test=30",
  "classifiers": [{"name": "a", "architecture": "resnet-s"}], "classifier_training": {"epochs": 1},
  "autoencoder": {"preset": "segnet-tiny", "pretrain_epochs": 1, "finetune_epochs": 1}, "evaluation": {"test_images": 30}}]=])
run(0 probe "${WORK}/stale")
file(READ "${WORK}/stale/experiment.json" spec)
string(REPLACE "\"finetune_epochs\": 1" "\"finetune_epochs\": 2" spec "${spec}")
file(WRITE "${WORK}/stale/experiment.json" "${spec}")
run(1 probe "${WORK}/stale")
expect_contains("${ERR}" "models/ae-a.pt:")
expect_contains("${ERR}" "autoencoder.finetune_epochs: was 1, now 2")
expect_contains("${ERR}" "--discard-stale")
run(2 probe "${WORK}/stale" --discard-stale --device cpu)
run(1 probe "${WORK}/stale" --discard-stale --finetune nosuch)
expect_contains("${ERR}" "no classifier named 'nosuch'")
if(NOT EXISTS "${WORK}/stale/models/ae-a.pt")
  message(FATAL_ERROR "a --discard-stale command that could not run deleted ae-a.pt")
endif()
run(0 probe "${WORK}/stale" --discard-stale)
expect_contains("${ERR}" "deleted models/ae-a.pt: autoencoder.finetune_epochs: was 1, now 2; this run redoes it")
file(READ "${WORK}/stale/log.txt" log)  # the CLI records its jobs in the experiment, as the app does
expect_contains("${log}" "discarded models/ae-a.pt: autoencoder.finetune_epochs: was 1, now 2 (made with other settings)")
expect_contains("${log}" "probe queued on cpu")
expect_contains("${log}" "probe finished")
if(NOT EXISTS "${WORK}/stale/results/metrics.csv")
  message(FATAL_ERROR "a CLI probe left no results/metrics.csv")
endif()
run(0 probe "${WORK}/stale")
run(2 probe --demo --discard-stale)
expect_contains("${ERR}" "--discard-stale needs an experiment folder")

# The schedule is a value the CLI checks, not a string the trainer compares.
run(2 train resnet-s --data "factorworld:classes=3,size=16,train=60,val=12,test=12" -o "${WORK}/never.nsm" --schedule weekly)
expect_contains("${ERR}" "weekly")

# The visualizer's commands: a model to work on, then what a user gets wrong.
run(0 train resnet-s --data "factorworld:classes=3,size=16,train=60,val=12,test=12" -o "${WORK}/tiny.nsm" --epochs 1)
run(0 visualize "${WORK}/tiny.nsm" --layer layer2.0 --channel 1 --size 32 --steps 4 -o "${WORK}/viz.png")
expect_contains("${OUT}" "objective")
if(NOT EXISTS "${WORK}/viz.png")
  message(FATAL_ERROR "visualize wrote no PNG")
endif()
run(0 gallery "${WORK}/tiny.nsm" --layer stem --count 3 --size 16 --steps 2 -o "${WORK}/gallery.png")
expect_contains("${OUT}" "3 channels of stem")
run(0 invert "${WORK}/tiny.nsm" --layer stem --image "${WORK}/viz.png" --steps 3 -o "${WORK}/invert.png")
expect_contains("${OUT}" "normalized feature loss")
run(0 invert "${WORK}/tiny.nsm" --layer layer2.0 --depths --image "${WORK}/viz.png" --steps 2 -o "${WORK}/invert-depths.png")
expect_contains("${OUT}" "stem: normalized feature loss")  # the app's inversion at several depths, from the CLI
expect_contains("${OUT}" "layer2.0: normalized feature loss")
run(1 visualize "${WORK}/tiny.nsm" --layer layer9 --channel 1 --steps 2 -o "${WORK}/x.png")
expect_contains("${ERR}" "no layer 'layer9'")
run(1 visualize "${WORK}/tiny.nsm" --objective "channel:stem:two" --steps 2 -o "${WORK}/x.png")
expect_contains("${ERR}" "'two'")
run(1 invert "${WORK}/tiny.nsm" --layer stem --image "${WORK}/missing.png" -o "${WORK}/x.png")
expect_contains("${ERR}" "missing.png")
run(2 visualize "${WORK}/tiny.nsm" -o "${WORK}/x.png")

# The factor lab: a run on the tiny model, then what a user gets wrong.
run(0 factors "${WORK}/tiny.nsm" -o "${WORK}/factors" --samples 300 --morph-steps 3 --morph-views 2 --rc-samples 60 --rc-identities 1)
expect_contains("${OUT}" "decision (bits)")
expect_contains("${OUT}" "I(id|pose)")
foreach(file report.html factors.json layers.csv decision.csv morphs.csv invariance.csv mi_by_depth.svg classification_images.png)
  if(NOT EXISTS "${WORK}/factors/${file}")
    message(FATAL_ERROR "factors wrote no ${file}")
  endif()
endforeach()
run(1 factors "${WORK}/tiny.nsm" -o "${WORK}/factors-bad" --data "factorworld:classes=5,size=16")
expect_contains("${ERR}" "tells 3 classes apart")
run(1 factors "${WORK}/tiny.nsm" -o "${WORK}/factors-bad" --samples 20)
expect_contains("${ERR}" "at least 200")
run(1 factors "${WORK}/tiny.nsm" -o "${WORK}/factors-bad" --data fashion-mnist)
expect_contains("${ERR}" "not on FactorWorld")
run(2 factors "${WORK}/tiny.nsm")

# The robustness bench: curves, charts and a report for one model; what a user gets wrong with it.
run(0 robustness "${WORK}/tiny.nsm" --data "factorworld:classes=3,size=16,train=60,val=12,test=40" -o "${WORK}/robust"
    --perturbation gaussian-noise --perturbation rotation --count 40 --attack fgsm-linf --attack pgd-l2-3
    --attack-count 16 --l2-radii 0 0.5 2)
expect_contains("${OUT}" "tiny, gaussian-noise (standard deviation of the noise")
expect_contains("${OUT}" "tiny, pgd-l2-3 (L2 radius")
expect_contains("${OUT}" "tiny, minimal L2 perturbation: median")
expect_contains("${OUT}" "each checked")
foreach(file perturbations.csv robustness-gaussian-noise.svg robustness-rotation.svg report.html attacks.csv
        attack-fgsm-linf.svg minimal.csv minimal-l2.svg examples.csv robustness.json)
  if(NOT EXISTS "${WORK}/robust/${file}")
    message(FATAL_ERROR "robustness wrote no ${file}")
  endif()
endforeach()
run(2 robustness "${WORK}/tiny.nsm" -o "${WORK}/robust-bad" --perturbation fog)
expect_contains("${ERR}" "unknown perturbation 'fog'")
run(1 robustness "${WORK}/no-such-model.nsm" -o "${WORK}/robust-bad")
expect_contains("${ERR}" "no-such-model.nsm")
run(2 robustness "${WORK}/tiny.nsm")
run(2 robustness "${WORK}/tiny.nsm" -o "${WORK}/robust-bad" --attack pgd-l7)
expect_contains("${ERR}" "unknown attack 'pgd-l7'")
run(1 robustness "${WORK}/tiny.nsm" -o "${WORK}/robust-bad" --no-perturbations --scale full
    --data "factorworld:classes=3,size=16,train=60,val=12,test=40")
expect_contains("${ERR}" "only topdown and bottomup")

# Channels explained by data: activity per channel, and the test images that drive a class most.
run(0 channels "${WORK}/tiny.nsm" --layer stem --data "factorworld:classes=3,size=16,train=60,val=12,test=40"
    --count 40 --examples class:1 --top 4 -o "${WORK}/examples.png")
expect_contains("${OUT}" "channels silent on the first 40 test images; most active:")
expect_contains("${OUT}" "wrote ${WORK}/examples.png")
if(NOT EXISTS "${WORK}/examples.png")
  message(FATAL_ERROR "channels wrote no examples")
endif()
run(2 channels "${WORK}/tiny.nsm" --layer stem --examples chanel:stem:1 -o "${WORK}/x.png")
run(1 channels "${WORK}/tiny.nsm" --layer nowhere --data "factorworld:classes=3,size=16,train=60,val=12,test=40")
expect_contains("${ERR}" "nowhere")

# Attribution: maps, overlays and checks of one model, on its test split and on an image file; wrong input.
run(0 attribute "${WORK}/tiny.nsm" --data "factorworld:classes=3,size=16,train=60,val=12,test=40,cue=mark"
    --count 6 --method grad-cam --method ig --method occlusion --steps 8 -o "${WORK}/attr")
expect_contains("${OUT}" "tiny, grad-cam at ")
expect_contains("${OUT}" "energy on the object")
expect_contains("${OUT}" "energy on the cue")
expect_contains("${OUT}" "completeness gap")
expect_contains("${OUT}" "randomization: rank correlation")
foreach(file summary.csv curves.csv randomization.csv images.csv overlays.png deletion.svg insertion.svg
        randomization.svg report.html maps/tiny_test_0_grad-cam.npy maps/tiny_test_5_occlusion.png)
  if(NOT EXISTS "${WORK}/attr/${file}")
    message(FATAL_ERROR "attribute wrote no ${file}")
  endif()
endforeach()
run(0 attribute "${WORK}/tiny.nsm" --image "${WORK}/sheet.png" --method saliency --no-randomization
    --target class:1 -o "${WORK}/attr-file")
expect_contains("${OUT}" "tiny, saliency (1 images")
run(2 attribute "${WORK}/tiny.nsm" --method deeplift -o "${WORK}/attr-bad")
expect_contains("${ERR}" "unknown method 'deeplift'")
run(2 attribute "${WORK}/tiny.nsm" --target best -o "${WORK}/attr-bad")
expect_contains("${ERR}" "'best' is not predicted")
run(1 attribute "${WORK}/tiny.nsm" --target class:7 --method saliency -o "${WORK}/attr-bad"
    --data "factorworld:classes=3,size=16,train=60,val=12,test=40")
expect_contains("${ERR}" "class 7 is not one of the classifier's 3 classes")
run(1 attribute "${WORK}/tiny.nsm" --method grad-cam --layer nowhere -o "${WORK}/attr-bad"
    --data "factorworld:classes=3,size=16,train=60,val=12,test=40")
expect_contains("${ERR}" "nowhere")
