#include "probe/ProbeReport.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netsight/experiment/Experiment.h"
#include "netsight/robustness/ExperimentRobustness.h"
#include "netsight/runtime/AtomicFile.h"
#include "probe/UncertaintyJson.h"
#include "report/Html.h"
#include "report/Statistics.h"

namespace fs = std::filesystem;

namespace netsight::probe {
namespace {

using nlohmann::json;
constexpr int kDigits = 12;  // enough to compare with an independent computation to 1e-9

std::string matrixCsv(const std::vector<std::string>& rows, const std::vector<std::string>& columns,
                      const std::vector<std::vector<double>>& values) {
    std::ostringstream csv;
    csv << "reconstructions\\classifier";
    for (const auto& column : columns)
        csv << "," << column;
    csv << "\n" << std::setprecision(kDigits);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        csv << rows[r];
        for (double value : values[r])
            csv << "," << value;
        csv << "\n";
    }
    return csv.str();
}

// One line per cell: the estimate, its 95% interval and, with replicas, their standard deviation.
std::string intervalsCsv(const std::vector<std::string>& rows, const std::vector<std::string>& columns,
                         const std::vector<std::vector<Interval>>& intervals,
                         const std::vector<std::vector<double>>& spread) {
    std::ostringstream csv;
    csv << "reconstructions,classifier,estimate,low,high,replica_sd\n" << std::setprecision(kDigits);
    for (std::size_t r = 0; r < rows.size() && r < intervals.size(); ++r)
        for (std::size_t c = 0; c < columns.size() && c < intervals[r].size(); ++c)
            csv << rows[r] << "," << columns[c] << "," << intervals[r][c].estimate << ","
                << intervals[r][c].low << "," << intervals[r][c].high << ","
                << (r < spread.size() ? spread[r][c] : 0.0) << "\n";
    return csv.str();
}

// A cell shaded from white (0) to blue (max).
std::string cell(double value, double max, int decimals, const Interval* interval, bool undecided) {
    const double t = max > 0 ? std::clamp(value / max, 0.0, 1.0) : 0.0;
    const int red = static_cast<int>(255 - 170 * t), green = static_cast<int>(255 - 120 * t);
    std::ostringstream html;
    html << "<td style='background:rgb(" << red << "," << green << ",255)" << (t > 0.7 ? ";color:white" : "")
         << (undecided ? ";outline:2px dashed #c80;outline-offset:-3px" : "") << "'"
         << (undecided ? " title='its relation to the mirrored cell is undecided'" : "") << ">" << std::fixed
         << std::setprecision(decimals) << value;
    if (interval)
        html << "<br><small>&plusmn;" << std::setprecision(decimals) << interval->halfWidth() << "</small>";
    html << "</td>";
    return html.str();
}

std::string matrixHtml(const ProbeSummary& summary, const std::vector<std::vector<double>>& values,
                       const std::vector<std::vector<Interval>>& intervals, double max, int decimals) {
    std::ostringstream html;
    html << "<table><tr><th>reconstructions &darr; / classifier &rarr;</th>";
    for (const auto& column : summary.classifiers)
        html << "<th>" << report::escapeXml(column) << "</th>";
    html << "</tr>";
    for (std::size_t r = 0; r < summary.rows.size(); ++r) {
        html << "<tr><th>"
             << (r == 0 ? std::string("original images")
                        : report::escapeXml(experiment::rowTitle(summary.rows[r])))
             << "</th>";
        for (std::size_t c = 0; c < values[r].size(); ++c) {
            const Interval* interval =
                r < intervals.size() && c < intervals[r].size() ? &intervals[r][c] : nullptr;
            html << cell(
                values[r][c], max, decimals, interval,
                r >= 2 && summary.uncertainty.undecidedBetween(static_cast<int>(r - 2), static_cast<int>(c)));
        }
        html << "</tr>";
    }
    return html.str() + "</table>";
}

// A small inline SVG histogram of values in [low, high].
std::string histogramSvg(const std::vector<double>& values, double low, double high) {
    constexpr int kBins = 24, kWidth = 240, kHeight = 48;
    std::vector<int> counts(kBins, 0);
    for (double v : values) {
        const int bin = std::clamp(static_cast<int>((v - low) / (high - low) * kBins), 0, kBins - 1);
        ++counts[bin];
    }
    const int peak = std::max(1, *std::max_element(counts.begin(), counts.end()));
    std::ostringstream svg;
    svg << "<svg width='" << kWidth << "' height='" << kHeight << "' style='background:#f4f6fa'>";
    for (int b = 0; b < kBins; ++b) {
        const int height = counts[b] * (kHeight - 2) / peak;
        svg << "<rect x='" << b * kWidth / kBins << "' y='" << kHeight - height << "' width='"
            << kWidth / kBins - 1 << "' height='" << height << "' fill='#4a6fd0'/>";
    }
    return svg.str() + "</svg>";
}

}  // namespace

std::string writeProbeResults(const std::string& directoryText, const experiment::ProbeSpec& spec,
                              const ProbeSummary& summary, const NmiTable& nmi, const std::string& gridPng) {
    const fs::path results = fs::path(directoryText) / "results";
    runtime::writeFileAtomically((results / "transfer.csv").string(),
                                 matrixCsv(summary.rows, summary.classifiers, summary.accuracy));
    runtime::writeFileAtomically((results / "relative.csv").string(),
                                 matrixCsv(summary.rows, summary.classifiers, summary.relative));
    const ProbeUncertainty& u = summary.uncertainty;
    runtime::writeFileAtomically(
        (results / "transfer_intervals.csv").string(),
        intervalsCsv(summary.rows, summary.classifiers, u.accuracy, u.accuracySpread));
    runtime::writeFileAtomically((results / "relative_intervals.csv").string(),
                                 intervalsCsv(summary.rows, summary.classifiers, u.relative, {}));

    json order = {{"ranking", json::array()},
                  {"total", summary.order.total},
                  {"cycles", json::array()},
                  {"wins", summary.order.wins},
                  {"kendall_tau_accuracy", summary.tauAccuracy},
                  {"kendall_tau_parameters", summary.tauParameters},
                  {"kendall_tau_accuracy_interval", intervalJson(u.tauAccuracy)},
                  {"kendall_tau_parameters_interval", intervalJson(u.tauParameters)},
                  {"replicas", u.replicas},
                  {"test_images", u.images},
                  {"total_and_significant", u.total},
                  {"relations", json::array()}};
    for (const auto& relation : u.relations)
        order["relations"].push_back(relationJson(relation, summary.classifiers));
    for (int index : summary.order.ranking)
        order["ranking"].push_back({{"classifier", summary.classifiers[index]},
                                    {"wins", summary.order.score[index]},
                                    {"accuracy", summary.accuracy[0][index]},
                                    {"parameters", summary.parameterCounts[index]}});
    for (const auto& cycle : summary.order.cycles) {
        json names = json::array();
        for (int index : cycle)
            names.push_back(summary.classifiers[index]);
        order["cycles"].push_back(names);
    }
    runtime::writeFileAtomically((results / "order.json").string(), order.dump(2) + "\n");

    std::ostringstream nmiCsv, nmiSummary;
    nmiCsv << "autoencoder,replica,image,intra,inter\n" << std::setprecision(kDigits);
    nmiSummary << "autoencoder,intra_median,intra_low,intra_high,intra_q1,intra_q3,inter_median,inter_low,"
                  "inter_high,inter_q1,inter_q3\n"
               << std::setprecision(kDigits);
    for (std::size_t r = 0; r < nmi.rows.size(); ++r) {
        std::vector<int> seen(1, 0);
        for (std::size_t i = 0; i < nmi.intra[r].size(); ++i) {
            const int replica = r < nmi.replica.size() && i < nmi.replica[r].size() ? nmi.replica[r][i] : 0;
            if (static_cast<std::size_t>(replica) >= seen.size())
                seen.resize(static_cast<std::size_t>(replica) + 1, 0);
            nmiCsv << nmi.rows[r] << "," << replica + 1 << "," << seen[static_cast<std::size_t>(replica)]++
                   << "," << nmi.intra[r][i] << "," << nmi.inter[r][i] << "\n";
        }
        const Interval intra = r < u.nmiIntraMedian.size()
                                   ? u.nmiIntraMedian[r]
                                   : Interval{report::quantile(nmi.intra[r], 0.5), 0, 0};
        const Interval inter = r < u.nmiInterMedian.size()
                                   ? u.nmiInterMedian[r]
                                   : Interval{report::quantile(nmi.inter[r], 0.5), 0, 0};
        nmiSummary << nmi.rows[r] << "," << intra.estimate << "," << intra.low << "," << intra.high << ","
                   << report::quantile(nmi.intra[r], 0.25) << "," << report::quantile(nmi.intra[r], 0.75)
                   << "," << inter.estimate << "," << inter.low << "," << inter.high << ","
                   << report::quantile(nmi.inter[r], 0.25) << "," << report::quantile(nmi.inter[r], 0.75)
                   << "\n";
    }
    runtime::writeFileAtomically((results / "nmi.csv").string(), nmiCsv.str());
    runtime::writeFileAtomically((results / "nmi_summary.csv").string(), nmiSummary.str());

    json summaryJson = {{"rows", summary.rows},
                        {"classifiers", summary.classifiers},
                        {"accuracy", summary.accuracy},
                        {"relative", summary.relative},
                        {"nmi_intra_median", summary.nmiIntraMedian},
                        {"nmi_inter_median", summary.nmiInterMedian},
                        {"order_total", summary.order.total},
                        {"order",
                         {{"wins", summary.order.wins},
                          {"score", summary.order.score},
                          {"ranking", summary.order.ranking},
                          {"total", summary.order.total},
                          {"cycles", summary.order.cycles}}},
                        {"parameter_counts", summary.parameterCounts},
                        {"classifier_inputs", summary.inputs},
                        {"data_shape", summary.dataShape},
                        {"grid_images", summary.gridImages},
                        {"kendall_tau_accuracy", summary.tauAccuracy},
                        {"kendall_tau_parameters", summary.tauParameters}};
    if (u.images > 0) summaryJson["uncertainty"] = uncertaintyJson(u, summary.classifiers);
    if (summary.pretrainedQuality.measured) {
        const auto& q = summary.pretrainedQuality;
        summaryJson["pretrained_quality"] = {{"psnr", q.psnr},
                                             {"ssim", q.ssim},
                                             {"accuracy_ratio", q.accuracyRatio},
                                             {"validation_psnr", q.validationPsnr},
                                             {"epochs", q.epochs},
                                             {"stopped", q.stopped}};
    }
    runtime::writeFileAtomically((results / "summary.json").string(), summaryJson.dump(2) + "\n");

    // The report: one HTML file with everything embedded, to send to a colleague.
    const std::string gridBytes = fs::exists(gridPng) ? report::readFileBytes(gridPng) : std::string();
    double maxRelative = 0;
    for (const auto& row : summary.relative)
        maxRelative = std::max(maxRelative, *std::max_element(row.begin(), row.end()));
    const bool studholme = spec.nmiVariant != "arithmetic";
    std::ostringstream html;
    html << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>NetSight signal probe</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;"
            "margin:1em 0}"
            "td,th{border:1px solid #ccd;padding:4px 10px;text-align:right}th{background:#eef}"
            "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}.note{color:#555;font-size:.9em}</style></"
            "head><body>";
    html << "<h1>What do these classifiers like to see? — signal probe</h1>";
    html << "<p class='note'>Data: <code>" << report::escapeXml(spec.data) << "</code> · autoencoder "
         << report::escapeXml(spec.autoencoder) << " · "
         << "seed " << spec.seed << " · " << (nmi.intra.empty() ? 0 : nmi.intra[0].size())
         << " test images</p>";
    html << "<h2>Reconstructions</h2><p class='note'>Test images (left) and their reconstructions by the "
            "pretrained "
            "autoencoder and by the autoencoder fine-tuned on each classifier's gradients.</p>";
    html << "<img alt='reconstruction grid' src='data:image/png;base64," << report::base64(gridBytes) << "'>";
    if (summary.pretrainedQuality.measured) {
        html << "<h2>The pretrained autoencoder</h2><p>" << report::escapeXml(pretrainedQualityLine(summary))
             << ".</p>";
        const std::string warning = pretrainedQualityWarning(summary);
        if (!warning.empty())
            html << "<p style='background:#fdecea;border-left:4px solid #c0392b;padding:8px'><b>Read with "
                    "care.</b> "
                 << report::escapeXml(warning) << "</p>";
    }
    html << "<h2>Transfer matrix: accuracy</h2><p class='note'>A[i][j]: accuracy of classifier j on images "
            "reconstructed "
            "by the autoencoder fine-tuned for classifier i.</p>"
         << matrixHtml(summary, summary.accuracy, u.accuracy, 1.0, 3);
    html << "<h2>Relative transfer R = A / A<sub>original</sub></h2>"
         << matrixHtml(summary, summary.relative, u.relative, maxRelative, 3);
    if (u.images > 0)
        html << "<p class='note'>&plusmn;: half the 95% interval, over " << u.images << " test images and "
             << u.replicas
             << (u.replicas == 1 ? " fine-tuning run (replicas: 1, so run-to-run variation is not "
                                   "measured; set evaluation.replicas to 3 or more)"
                                 : " fine-tuning runs per classifier")
             << ". Dashed cells: their relation is undecided (see Order).</p>";
    html << "<h2>Order</h2><p><b>" << report::escapeXml(orderVerdict(summary)) << "</b></p><ol>";
    for (int index : summary.order.ranking)
        html << "<li>" << report::escapeXml(summary.classifiers[index]) << " — beats "
             << summary.order.score[index] << " · accuracy " << std::fixed << std::setprecision(3)
             << summary.accuracy[0][index] << " · " << static_cast<long long>(summary.parameterCounts[index])
             << " parameters"
             << (static_cast<std::size_t>(index) < summary.inputs.size() &&
                         summary.inputs[index].rfind(summary.dataShape + " ", 0) != 0
                     ? " · fed at " +
                           report::escapeXml(summary.inputs[index].substr(0, summary.inputs[index].find(' ')))
                     : std::string())
             << "</li>";
    html << "</ol>";
    if (!summary.dataShape.empty())
        html << "<p class='note'>The autoencoder works at the data's " << summary.dataShape
             << "; a classifier of another input size gets the images and reconstructions resized to cover "
                "its "
                "input, centre-cropped and normalized its way (classifier_inputs in summary.json).</p>";
    if (u.images > 0) {
        html << "<p>A relation is significant when its Holm-adjusted p is below " << std::setprecision(2)
             << u.alpha << ".</p>";
        html << "<table><tr><th>relation</th><th>d = R[i][j] &minus; R[j][i]</th><th>95% interval</th><th>p "
                "(Holm)</th><th>replicas agreeing</th><th>verdict</th></tr>";
        for (const auto& relation : u.relations) {
            const Interval margin = relation.margin();
            html << "<tr><th>"
                 << report::escapeXml(summary.classifiers[static_cast<std::size_t>(relation.above())])
                 << " &gt; "
                 << report::escapeXml(summary.classifiers[static_cast<std::size_t>(relation.below())])
                 << "</th><td>" << std::setprecision(3) << margin.estimate << "</td><td>[" << margin.low
                 << ", " << margin.high << "]</td><td>" << std::setprecision(3) << relation.adjustedP
                 << "</td><td>" << relation.replicasAgreeing << " of " << relation.replicas << "</td><td>"
                 << (relation.significant ? "significant" : "<b>undecided</b>") << "</td></tr>";
        }
        html << "</table>";
    }
    html << "<p>Kendall &tau; of the order with accuracy: " << std::setprecision(2) << summary.tauAccuracy;
    if (u.images > 0) html << " [" << u.tauAccuracy.low << ", " << u.tauAccuracy.high << "]";
    html << "; with parameter count: " << summary.tauParameters;
    if (u.images > 0) html << " [" << u.tauParameters.low << ", " << u.tauParameters.high << "]";
    html << "</p>";
    // The robustness bench's section, when it has run (it rewrites this part of the report when it runs
    // again).
    const fs::path section = results / "robustness" / "section.html";
    html << robustness::kRobustnessBegin
         << (fs::exists(section) ? report::readFileBytes(section.string()) : "")
         << robustness::kRobustnessEnd;
    html << "<h2>Normalized mutual information</h2><p class='note'>"
         << (studholme ? "(H(X)+H(Y))/H(X,Y): 1 independent, 2 identical"
                       : "MI / mean entropy: 0 independent, 1 identical")
         << "; " << spec.nmiBins
         << " bins on 8-bit intensities. Intra: an image and its reconstruction. Inter: "
            "reconstructions of different images (high inter-NMI: the autoencoder draws the same pattern for "
            "every input).</p>";
    html << "<table><tr><th>autoencoder</th><th>intra median</th><th>intra distribution</th><th>inter "
            "median</th><th>inter distribution</th></tr>";
    const double low = studholme ? 1.0 : 0.0, high = studholme ? 2.0 : 1.0;
    for (std::size_t r = 0; r < nmi.rows.size(); ++r)
        html << "<tr><th>" << report::escapeXml(nmi.rows[r]) << "</th><td>" << std::setprecision(3)
             << report::quantile(nmi.intra[r], 0.5) << "</td><td>" << histogramSvg(nmi.intra[r], low, high)
             << "</td><td>" << report::quantile(nmi.inter[r], 0.5) << "</td><td>"
             << histogramSvg(nmi.inter[r], low, high) << "</td></tr>";
    html << "</table>";
    // The settings, so that whoever gets this page knows exactly what was run.
    html << "<h2>Settings</h2><p class='note'>The experiment.json of this run:</p><pre>"
         << report::escapeXml(experiment::probeSpecJson(spec)) << "</pre>";
    html << "<p class='note'>Data behind this page: results/*.csv and *.json. Made by "
            "NetSight.</p></body></html>\n";
    const std::string reportPath = (fs::path(directoryText) / "report.html").string();
    runtime::writeFileAtomically(reportPath, html.str());
    return reportPath;
}

}  // namespace netsight::probe
