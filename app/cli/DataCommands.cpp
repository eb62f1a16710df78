#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/data/ContactSheet.h"
#include "netsight/data/Dataset.h"

namespace netsight::cli {
namespace {

void printInfo(const data::Dataset& dataset) {
    const data::DatasetInfo& info = dataset.info();
    std::cout << "source:   " << info.source << "\n"
              << "name:     " << info.name << "\n"
              << "image:    " << data::toString(info.shape) << " (channels x height x width)\n";
    std::cout << "splits:  ";
    for (data::Split split : data::kAllSplits)
        std::cout << " " << data::toString(split) << " " << dataset.size(split);
    std::cout << "\nclasses:  " << info.classNames.size() << "\n";
    for (std::size_t c = 0; c < info.classNames.size(); ++c)
        std::cout << "  " << std::setw(3) << c << "  " << info.classNames[c] << "\n";
    if (!info.factorNames.empty()) {
        std::cout << "factors:  " << info.factorNames.size() << "\n   ";
        for (const auto& name : info.factorNames)
            std::cout << " " << name;
        std::cout << "\n";
    }
    for (const auto& warning : info.warnings)
        std::cerr << "netsight-cli: warning: " << warning << "\n";
}

// Opens `source` as a job: a folder's first indexing shows a progress bar with ETA, and Ctrl-C stops it.
std::unique_ptr<data::Dataset> openWithProgress(const std::string& source) {
    std::unique_ptr<data::Dataset> dataset;
    const auto outcome =
        runWithProgress(runtime::JobKind::Query, "open", [&](const runtime::JobContext& job) {
            dataset = data::openDataset(source, runtime::dataOpenOptions(job));
        });
    if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
    return dataset;
}

}  // namespace

void addDataCommands(CLI::App& app) {
    CLI::App* dataCommand = app.add_subcommand("data", "Inspect datasets")->require_subcommand(1);
    dataCommand->footer(data::sourceHelp());

    auto source = std::make_shared<std::string>("factorworld");
    CLI::App* info =
        dataCommand->add_subcommand("info", "Splits, counts, classes, image shape and factors of a source");
    info->add_option("source", *source, "Data source (see below)")->capture_default_str();
    info->footer(data::sourceHelp());
    info->callback([source] { printInfo(*openWithProgress(*source)); });

    auto previewSource = std::make_shared<std::string>("factorworld");
    auto output = std::make_shared<std::string>();
    auto split = std::make_shared<std::string>("train");
    auto options = std::make_shared<data::ContactSheetOptions>();
    options->count = 48;
    CLI::App* preview =
        dataCommand->add_subcommand("preview", "Write a labelled contact sheet of a split as PNG");
    preview->add_option("source", *previewSource, "Data source (see below)")->capture_default_str();
    preview->add_option("-o,--output", *output, "PNG file to write")->required();
    preview->add_option("--split", *split, "train, val or test")->capture_default_str();
    preview->add_option("--count", options->count, "Number of images")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    preview->add_option("--columns", options->columns, "Images per row (0: about square)")
        ->capture_default_str();
    preview->add_option("--tile", options->tilePixels, "Tile size in pixels")
        ->capture_default_str()
        ->check(CLI::Range(16, 1024));
    preview->add_option("--first", options->firstIndex, "Index of the first image")->capture_default_str();
    preview->add_option("--class", options->classFilter, "Only this class index (-1: all)")
        ->capture_default_str();
    preview->footer(data::sourceHelp());
    preview->callback([=] {
        const auto dataset = openWithProgress(*previewSource);
        const data::Split which = data::parseSplit(*split);
        for (const auto& warning : dataset->info().warnings)
            std::cerr << "netsight-cli: warning: " << warning << "\n";
        const data::RgbBuffer sheet = data::contactSheet(*dataset, which, *options);
        data::writePng(sheet, *output);
        std::cout << "wrote " << *output << " (" << sheet.width << "x" << sheet.height << ", "
                  << dataset->info().name << ", " << data::toString(which) << ")\n";
    });
}

}  // namespace netsight::cli
