#include "netsight/probe/ProbeResults.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "probe/UncertaintyJson.h"

namespace fs = std::filesystem;

namespace netsight::probe {
namespace {

using nlohmann::json;

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// nmi.csv: autoencoder,replica,image,intra,inter (autoencoder,image,intra,inter before replicas) — rows
// in file order.
NmiTable readNmi(const fs::path& path) {
    NmiTable table;
    std::istringstream lines(readText(path));
    std::string line;
    std::getline(lines, line);
    const bool replicas = line.rfind("autoencoder,replica,image,intra,inter", 0) == 0;
    if (!replicas && line.rfind("autoencoder,image,intra,inter", 0) != 0)
        throw std::runtime_error(path.string() +
                                 ": expected the header 'autoencoder,replica,image,intra,inter'");
    std::map<std::string, std::size_t> rowIndex;
    for (int number = 2; std::getline(lines, line); ++number) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::string name, replica = "1", image, intra, inter;
        std::getline(fields, name, ',');
        if (replicas) std::getline(fields, replica, ',');
        std::getline(fields, image, ',');
        std::getline(fields, intra, ',');
        std::getline(fields, inter, ',');
        double intraValue = 0, interValue = 0;
        int replicaValue = 0;
        try {
            intraValue = std::stod(intra);
            interValue = std::stod(inter);
            replicaValue = std::stoi(replica) - 1;
        } catch (const std::exception&) {
            throw std::runtime_error(path.string() + ":" + std::to_string(number) +
                                     ": expected numbers for replica, intra and inter, found '" + line + "'");
        }
        auto found = rowIndex.find(name);
        if (found == rowIndex.end()) {
            found = rowIndex.emplace(name, table.rows.size()).first;
            table.rows.push_back(name);
            table.intra.emplace_back();
            table.inter.emplace_back();
            table.replica.emplace_back();
        }
        table.intra[found->second].push_back(intraValue);
        table.inter[found->second].push_back(interValue);
        table.replica[found->second].push_back(replicaValue);
    }
    return table;
}

}  // namespace

std::string pretrainedQualityLine(const ProbeSummary& summary) {
    const auto& q = summary.pretrainedQuality;
    if (!q.measured || q.accuracyRatio.empty()) return {};
    const auto [low, high] = std::minmax_element(q.accuracyRatio.begin(), q.accuracyRatio.end());
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "pretrained AE: " << q.psnr << " dB PSNR, SSIM "
         << std::setprecision(3) << q.ssim << " on the test images; keeps " << std::setprecision(3) << *low;
    if (*high - *low >= 0.0005) line << "-" << *high;
    line << " of the classifiers' accuracy";
    if (q.epochs > 0)
        line << " (pretrained " << q.epochs << (q.epochs == 1 ? " epoch" : " epochs")
             << (q.stopped == "target"    ? ", target PSNR reached"
                 : q.stopped == "plateau" ? ", stopped improving"
                                          : ", epoch ceiling")
             << ")";
    return line.str();
}

bool orderEstablished(const ProbeSummary& summary) {
    return summary.order.total && summary.uncertainty.images > 0 && summary.uncertainty.total;
}

std::string orderVerdict(const ProbeSummary& summary) {
    const auto& order = summary.order;
    const auto& u = summary.uncertainty;
    auto chain = [&](const std::vector<int>& indices, const char* separator) {
        std::string text;
        for (std::size_t k = 0; k < indices.size(); ++k)
            text += (k ? separator : "") + summary.classifiers[static_cast<std::size_t>(indices[k])];
        return text;
    };
    std::string cycles;
    for (const auto& cycle : order.cycles)
        cycles += (cycles.empty() ? "" : "; ") + chain(cycle, " > ") + " > " +
                  summary.classifiers[static_cast<std::size_t>(cycle.front())];
    const bool intervals = u.images > 0;
    std::size_t undecided = 0;
    for (const auto& relation : u.relations)
        undecided += relation.significant ? 0 : 1;
    auto howMany = [&] {
        const std::size_t all = u.relations.size();
        if (undecided == all)
            return all == 1 ? std::string("its one relation is undecided")
                            : "none of its " + std::to_string(all) + " relations is significant";
        return std::to_string(undecided) + " of " + std::to_string(all) + " relations " +
               (undecided == 1 ? "is" : "are") + " undecided";
    };
    std::ostringstream text;
    if (orderEstablished(summary)) {
        text << "Established order: " << chain(order.ranking, " > ") << " (every relation significant; "
             << u.images << " test images, " << u.replicas
             << (u.replicas == 1 ? " fine-tuning run)." : " fine-tuning runs per classifier).");
    } else if (order.total && intervals) {
        text << "No established order: the estimates rank " << chain(order.ranking, " > ") << ", but "
             << howMany() << ".";
    } else if (order.total) {
        text << "Order of the estimates: " << chain(order.ranking, " > ")
             << " (no intervals: these results are from before they were measured).";
    } else {
        text << "No order: the estimates form cycles (" << cycles
             << "); ranked by pairwise wins: " << chain(order.ranking, ", ") << ".";
        if (intervals && undecided > 0) {
            std::string rest = howMany();
            rest[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(rest[0])));
            text << " " << rest << ".";
        }
    }
    return text.str();
}

std::string pretrainedQualityWarning(const ProbeSummary& summary) {
    const auto& q = summary.pretrainedQuality;
    if (!q.measured) return {};
    std::vector<std::string> low;
    for (std::size_t j = 0; j < q.accuracyRatio.size() && j < summary.classifiers.size(); ++j)
        if (q.accuracyRatio[j] < kPretrainedRatioFloor) {
            std::ostringstream item;
            item << summary.classifiers[j] << " " << std::fixed << std::setprecision(3) << q.accuracyRatio[j];
            low.push_back(item.str());
        }
    if (low.empty()) return {};
    std::string list;
    for (std::size_t i = 0; i < low.size(); ++i)
        list += (i ? ", " : "") + low[i];
    std::ostringstream text;
    text << "The pretrained autoencoder loses much of what the classifiers use: it keeps less than "
         << std::fixed << std::setprecision(1) << kPretrainedRatioFloor
         << " of their accuracy on the originals (" << list
         << "). The fine-tuned autoencoders then mostly show what fine-tuning adds back, so the matrix and "
            "the order say as much about this autoencoder as about the classifiers. Pretrain further "
            "(autoencoder.pretrain_epochs and pretrain_target_psnr) and run again before reading them.";
    return text.str();
}

std::optional<ProbeResults> readProbeResults(const std::string& directoryText) {
    const fs::path results = fs::path(directoryText) / "results";
    const fs::path summaryPath = results / "summary.json";
    if (!fs::exists(summaryPath)) return std::nullopt;
    ProbeResults loaded;
    auto& summary = loaded.summary;
    try {
        const json doc = json::parse(readText(summaryPath));
        doc.at("rows").get_to(summary.rows);
        doc.at("classifiers").get_to(summary.classifiers);
        doc.at("accuracy").get_to(summary.accuracy);
        doc.at("relative").get_to(summary.relative);
        doc.at("nmi_intra_median").get_to(summary.nmiIntraMedian);
        doc.at("nmi_inter_median").get_to(summary.nmiInterMedian);
        doc.at("kendall_tau_accuracy").get_to(summary.tauAccuracy);
        doc.at("kendall_tau_parameters").get_to(summary.tauParameters);
        doc.at("parameter_counts").get_to(summary.parameterCounts);
        if (doc.contains("classifier_inputs")) doc.at("classifier_inputs").get_to(summary.inputs);
        if (doc.contains("data_shape")) doc.at("data_shape").get_to(summary.dataShape);
        doc.at("grid_images").get_to(summary.gridImages);
        const json& order = doc.at("order");
        order.at("wins").get_to(summary.order.wins);
        order.at("score").get_to(summary.order.score);
        order.at("ranking").get_to(summary.order.ranking);
        order.at("total").get_to(summary.order.total);
        order.at("cycles").get_to(summary.order.cycles);
        if (doc.contains("uncertainty")) summary.uncertainty = uncertaintyFromJson(doc.at("uncertainty"));
        if (doc.contains("pretrained_quality")) {
            const json& q = doc.at("pretrained_quality");
            auto& quality = summary.pretrainedQuality;
            quality.measured = true;
            q.at("psnr").get_to(quality.psnr);
            q.at("ssim").get_to(quality.ssim);
            q.at("accuracy_ratio").get_to(quality.accuracyRatio);
            quality.validationPsnr = q.value("validation_psnr", -1.0);
            quality.epochs = q.value("epochs", 0);
            quality.stopped = q.value("stopped", std::string());
        }
    } catch (const json::exception& error) {
        throw std::runtime_error(summaryPath.string() + ": " + error.what() +
                                 " (written by another NetSight version? run the probe again to rewrite it)");
    }
    const std::size_t columns = summary.classifiers.size();
    bool consistent = summary.accuracy.size() == summary.rows.size() &&
                      summary.relative.size() == summary.rows.size() && summary.rows.size() >= 2 &&
                      summary.parameterCounts.size() == columns && summary.order.score.size() == columns;
    for (const auto& row : summary.accuracy)
        consistent = consistent && row.size() == columns;
    if (!consistent)
        throw std::runtime_error(summaryPath.string() +
                                 ": the matrix sizes do not match the classifier list; run the probe again");
    summary.reportPath = (fs::path(directoryText) / "report.html").string();
    loaded.nmi = readNmi(results / "nmi.csv");
    std::vector<std::string> gridRows{"original"};
    gridRows.insert(gridRows.end(), summary.rows.begin() + 1, summary.rows.end());
    for (const auto& row : gridRows) {
        std::vector<std::string> files;
        for (std::size_t i = 0; i < summary.gridImages; ++i)
            files.push_back((results / "reconstructions" / row / (std::to_string(i) + ".png")).string());
        loaded.gridFiles.push_back(files);
    }
    return loaded;
}

}  // namespace netsight::probe
