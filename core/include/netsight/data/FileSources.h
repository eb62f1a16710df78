#pragma once

#include <memory>

#include "netsight/data/Dataset.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::data {

/// `fashion-mnist`, `mnist:DIR`, `idx:DIR`: IDX files (train-images / train-labels / t10k-images /
/// t10k-labels, plain or .gz). The validation split is a stratified, seeded share of the training set.
std::unique_ptr<Dataset> openIdxSource(const SourceSpec& spec);

/// `cifar10:DIR`: the binary version (data_batch_1..5.bin, test_batch.bin, batches.meta.txt).
std::unique_ptr<Dataset> openCifar10Source(const SourceSpec& spec);

/// `folder:DIR`: one sub-folder per class (or DIR/train, DIR/val, DIR/test each holding them). Indexed once
/// (see OpenOptions), then decoded on demand with a bounded cache (`cache=MB`, default 1024), so memory does
/// not grow with the folder.
std::unique_ptr<Dataset> openFolderSource(const SourceSpec& spec, const OpenOptions& options = {});

/// Where Debian's dataset-fashion-mnist package installs its files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace netsight::data
