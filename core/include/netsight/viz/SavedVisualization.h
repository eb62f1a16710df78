#pragma once

// The visualizer's results kept in the experiment (results/visualizer/): each visualization, gallery and
// inversion as PNG images with a JSON file of the settings that made it, so that they reopen with the
// experiment, in the app and from the CLI. Plain types: the UI includes this header.
#include <string>
#include <utility>
#include <vector>

#include "netsight/data/Image.h"
#include "netsight/models/ModelFile.h"
#include "netsight/runtime/Job.h"
#include "netsight/viz/Visualize.h"

namespace netsight::viz {

struct SavedVisualization {
    std::string kind;        ///< "visualize", "gallery", "invert"
    std::string classifier;  ///< the experiment's name for it
    std::string title;       ///< what a user reads: "plain: channel 5 of layer2.0"
    std::vector<std::pair<std::string, std::string>> settings;  ///< "steps" -> "512", ...
    std::vector<std::string> labels;                            ///< one per image
    std::vector<std::string> imageFiles;  ///< absolute paths, filled in by save and read
    std::string file;                     ///< its JSON file
};

/// Writes `images` (one per label) and the record into `directory` under a new name of the kind, the
/// classifier and a number; returns the record with its files. Every file is written atomically.
SavedVisualization saveVisualization(const std::string& directory, SavedVisualization record,
                                     const std::vector<data::RgbBuffer>& images);
/// Every record in `directory`, oldest first; records whose files are damaged are skipped with a note in
/// `problems` (file: what is wrong).
std::vector<SavedVisualization> readSavedVisualizations(const std::string& directory,
                                                        std::vector<std::string>* problems = nullptr);

/// The layers to invert at to show what each depth still knows of an image: `layer` and up to three
/// earlier top-level layers with a spatial output (C x H x W), shallowest first.
std::vector<std::string> inversionDepths(const std::vector<models::LayerInfo>& layers,
                                         const std::string& layer);

/// Inverts `target` at each of `layers` in turn (same options otherwise), the job's progress spanning all.
std::vector<std::pair<std::string, InversionResult>> invertAtDepths(const std::string& modelPath,
                                                                    const data::Image& target,
                                                                    const std::vector<std::string>& layers,
                                                                    const InversionOptions& options,
                                                                    const runtime::JobContext& job);

}  // namespace netsight::viz
