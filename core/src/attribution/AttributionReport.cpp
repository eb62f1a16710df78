// What an attribution run leaves on disk: the maps (NumPy .npy, one per image and method), overlays, the
// checks as CSV and SVG, and a self-contained report.html that says what each number means.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "netsight/attribution/Attribution.h"
#include "netsight/data/ContactSheet.h"
#include "netsight/runtime/AtomicFile.h"
#include "report/Html.h"
#include "report/SvgChart.h"

namespace netsight::attribution {
namespace {

namespace fs = std::filesystem;

std::string number(double value, int digits = 3) {
    if (std::isnan(value)) return "";
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

std::string intervalText(const probe::Interval& interval) {
    if (std::isnan(interval.estimate)) return "&ndash;";
    return number(interval.estimate) + " <span class='ci'>[" + number(interval.low) + ", " +
           number(interval.high) + "]</span>";
}

std::string intervalCsv(const probe::Interval& interval) {
    return number(interval.estimate, 6) + "," + number(interval.low, 6) + "," + number(interval.high, 6);
}

// A file name part from free text: letters, digits, '-' and '_' kept, the rest '_'.
std::string fileSafe(const std::string& text) {
    std::string safe = text;
    for (auto& c : safe)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    return safe;
}

// A float32 map as a NumPy .npy file (version 1.0, little-endian, C order).
std::string npyBytes(const std::vector<float>& values, int height, int width) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(height) +
                         ", " + std::to_string(width) + "), }";
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += '\x01';
    bytes += '\x00';
    const auto length = static_cast<std::uint16_t>(header.size());
    bytes += static_cast<char>(length & 0xff);
    bytes += static_cast<char>(length >> 8);
    bytes += header;
    const auto offset = bytes.size();
    bytes.resize(offset + values.size() * sizeof(float));
    std::memcpy(&bytes[offset], values.data(),
                values.size() * sizeof(float));  // x86 and arm64: little-endian
    return bytes;
}

std::string rowTitle(const ExplainedImage& image) {
    std::string title = image.source + ": " + image.predictedName + " " + number(image.confidence, 2);
    if (image.label >= 0 && image.label != image.predicted) title += " (is " + image.labelName + ")";
    return title;
}

void writeCsvs(const AttributionResults& results, const fs::path& dir) {
    std::ostringstream summary;
    summary
        << "classifier,method,layer,images,deletion_area,deletion_low,deletion_high,insertion_area,insertion_"
           "low,"
           "insertion_high,average_drop,drop_low,drop_high,increase,increase_low,increase_high,mask_energy,"
           "mask_low,mask_high,pointing,pointing_low,pointing_high,cue_energy,cue_low,cue_high,mask_share,"
           "cue_share,completeness_gap,gap_low,gap_high,randomized_rank_correlation,images_per_second\n";
    std::ostringstream curves, randomization;
    curves << "classifier,method,curve,fraction,probability\n";
    randomization << "classifier,method,modules_randomized,last_module,rank_correlation,low,high\n";
    for (const auto& s : results.summaries) {
        const auto name = methodName(s.method);
        summary << s.classifier << "," << name << "," << s.layer << "," << s.images << ","
                << intervalCsv(s.deletionArea) << "," << intervalCsv(s.insertionArea) << ","
                << intervalCsv(s.averageDrop) << "," << intervalCsv(s.increase) << ","
                << intervalCsv(s.maskEnergy) << "," << intervalCsv(s.pointing) << ","
                << intervalCsv(s.cueEnergy) << "," << number(s.maskShare, 6) << "," << number(s.cueShare, 6)
                << "," << intervalCsv(s.completenessGap) << ","
                << (s.randomizationRank.empty() ? "" : number(s.randomizationRank.back().estimate, 6)) << ","
                << number(s.imagesPerSecond, 3) << "\n";
        for (std::size_t k = 0; k < s.fractions.size(); ++k) {
            curves << s.classifier << "," << name << ",deletion," << s.fractions[k] << ","
                   << number(s.deletion[k], 6) << "\n";
            curves << s.classifier << "," << name << ",insertion," << s.fractions[k] << ","
                   << number(s.insertion[k], 6) << "\n";
        }
        for (std::size_t k = 0; k < s.randomizationRank.size(); ++k)
            randomization << s.classifier << "," << name << "," << s.randomizedCounts[k] << ","
                          << s.randomizedLayers[k] << "," << intervalCsv(s.randomizationRank[k]) << "\n";
    }
    runtime::writeFileAtomically((dir / "summary.csv").string(), summary.str());
    runtime::writeFileAtomically((dir / "curves.csv").string(), curves.str());
    runtime::writeFileAtomically((dir / "randomization.csv").string(), randomization.str());

    std::ostringstream perClass;
    perClass << "classifier,method,class,images,accuracy,deletion_area,mask_energy\n";
    for (const auto& s : results.summaries)
        for (const auto& c : s.perClass)
            perClass << s.classifier << "," << methodName(s.method) << "," << c.name << "," << c.images << ","
                     << number(c.accuracy, 6) << "," << number(c.deletionArea, 6) << ","
                     << number(c.maskEnergy, 6) << "\n";
    runtime::writeFileAtomically((dir / "per_class.csv").string(), perClass.str());

    std::ostringstream images;
    images << "classifier,image,label,predicted,confidence,explained_class\n";
    for (const auto& image : results.images)
        images << image.classifier << "," << image.source << "," << image.labelName << ","
               << image.predictedName << "," << number(image.confidence, 6) << "," << image.explainedName
               << "\n";
    runtime::writeFileAtomically((dir / "images.csv").string(), images.str());
}

// The overlays grid and the maps, per image and method.
void writeImages(const AttributionResults& results, const fs::path& dir) {
    fs::create_directories(dir / "maps");
    std::vector<std::vector<data::Image>> rows;
    std::vector<std::string> rowTitles, columns{"image"};
    for (auto method : results.methods)
        columns.push_back(methodName(method));
    for (const auto& image : results.images) {
        std::vector<data::Image> row{image.image};
        for (std::size_t m = 0; m < results.methods.size(); ++m) {
            const auto scale = defaultScale(results.methods[m]);
            row.push_back(overlay(image.image, image.maps[m], scale, 0.7));
            const auto stem =
                fileSafe(image.classifier + "_" + image.source + "_" + methodName(results.methods[m]));
            runtime::writeFileAtomically(
                (dir / "maps" / (stem + ".npy")).string(),
                npyBytes(image.maps[m], image.image.shape.height, image.image.shape.width));
            data::writePng(data::toRgbBuffer(row.back()), (dir / "maps" / (stem + ".png")).string());
        }
        rows.push_back(std::move(row));
        rowTitles.push_back(rowTitle(image));
    }
    if (!rows.empty())
        data::writePng(data::imageGrid(rows, columns, rowTitles, 112), (dir / "overlays.png").string());
}

// A series' name: the method, with the classifier when the results hold several.
std::string seriesName(const AttributionResults& results, const MethodSummary& summary) {
    const bool several = std::any_of(results.summaries.begin(), results.summaries.end(),
                                     [&](const auto& s) { return s.classifier != summary.classifier; });
    return (several ? summary.classifier + " " : std::string()) + methodName(summary.method);
}

std::vector<std::pair<std::string, std::string>> writeCharts(const AttributionResults& results,
                                                             const fs::path& dir) {
    std::vector<std::pair<std::string, std::string>> charts;
    for (const std::string curve : {"deletion", "insertion"}) {
        std::vector<report::ChartSeries> series;
        for (const auto& s : results.summaries) {
            if (s.fractions.empty()) continue;
            report::ChartSeries line;
            line.name = seriesName(results, s);
            line.x = s.fractions;
            line.y = curve == "deletion" ? s.deletion : s.insertion;
            series.push_back(std::move(line));
        }
        if (series.empty()) continue;
        report::ChartOptions options;
        options.title = curve == "deletion"
                            ? "Deletion: most relevant pixels blurred first (lower is better)"
                            : "Insertion: most relevant pixels restored first (higher is better)";
        options.xLabel = "share of the pixels " + std::string(curve == "deletion" ? "deleted" : "inserted");
        options.yLabel = "probability of the explained class";
        charts.emplace_back(curve + ".svg", report::svgLineChart(series, options));
    }
    std::vector<report::ChartSeries> series;
    std::vector<std::string> ticks;
    for (const auto& s : results.summaries) {
        if (s.randomizationRank.empty()) continue;
        report::ChartSeries line;
        line.name = seriesName(results, s);
        for (std::size_t k = 0; k < s.randomizationRank.size(); ++k) {
            line.x.push_back(static_cast<double>(k));
            line.y.push_back(s.randomizationRank[k].estimate);
            line.error.push_back(s.randomizationRank[k].halfWidth());
        }
        if (ticks.size() < s.randomizedLayers.size()) ticks = s.randomizedLayers;
        series.push_back(std::move(line));
    }
    if (!series.empty()) {
        report::ChartOptions options;
        options.title = "Randomization check: maps after re-initializing the weights from the top";
        options.xLabel = "randomized down to this module";
        options.yLabel = "rank correlation with the trained maps";
        options.xTickLabels = ticks;
        charts.emplace_back("randomization.svg", report::svgLineChart(series, options));
    }
    for (const auto& [file, svg] : charts)
        runtime::writeFileAtomically((dir / file).string(), svg);
    return charts;
}

std::string summaryTable(const AttributionResults& results) {
    const bool truth = std::any_of(results.summaries.begin(), results.summaries.end(),
                                   [](const auto& s) { return !std::isnan(s.maskEnergy.estimate); });
    const bool cue = std::any_of(results.summaries.begin(), results.summaries.end(),
                                 [](const auto& s) { return !std::isnan(s.cueEnergy.estimate); });
    std::ostringstream html;
    html << "<table><tr><th>classifier</th><th>method</th><th>deletion area &darr;</th><th>insertion area "
            "&uarr;</th>"
            "<th>average drop &darr;</th><th>increase &uarr;</th>";
    if (truth) html << "<th>energy on the object &uarr;</th><th>pointing game &uarr;</th>";
    if (cue) html << "<th>energy on the cue</th>";
    html << "<th>rank correlation, all randomized &darr;</th><th>images/s</th></tr>";
    for (const auto& s : results.summaries) {
        html << "<tr><td>" << report::escapeXml(s.classifier) << "</td><td>" << methodName(s.method)
             << (s.layer.empty() ? "" : " <span class='ci'>(" + report::escapeXml(s.layer) + ")</span>")
             << "</td><td>" << intervalText(s.deletionArea) << "</td><td>" << intervalText(s.insertionArea)
             << "</td><td>" << intervalText(s.averageDrop) << "</td><td>" << intervalText(s.increase)
             << "</td>";
        if (truth)
            html << "<td>" << intervalText(s.maskEnergy) << " <span class='ci'>(uniform "
                 << number(s.maskShare) << ")</span></td><td>" << intervalText(s.pointing) << "</td>";
        if (cue)
            html << "<td>" << intervalText(s.cueEnergy) << " <span class='ci'>(uniform " << number(s.cueShare)
                 << ")</span></td>";
        html << "<td>" << (s.randomizationRank.empty() ? "&ndash;" : intervalText(s.randomizationRank.back()))
             << "</td><td>" << number(s.imagesPerSecond, 1) << "</td></tr>";
    }
    html << "</table>";
    return html.str();
}

}  // namespace

data::Image overlay(const data::Image& image, const std::vector<float>& map, MapScale scale, double opacity) {
    const int height = image.shape.height, width = image.shape.width;
    data::Image out(data::ImageShape{3, height, width});
    // Scaled by the 99th percentile of the magnitudes, so that a few extreme pixels (integrated gradients
    // has them) do not leave the rest invisible; values beyond it saturate.
    std::vector<double> magnitudes;
    magnitudes.reserve(map.size());
    for (float v : map)
        magnitudes.push_back(scale == MapScale::Positive ? std::max(0.0, static_cast<double>(v))
                                                         : std::abs(static_cast<double>(v)));
    double peak = 0;
    if (!magnitudes.empty()) {
        const auto at = magnitudes.begin() +
                        static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(magnitudes.size() - 1));
        std::nth_element(magnitudes.begin(), at, magnitudes.end());
        peak = *at > 0 ? *at : *std::max_element(magnitudes.begin(), magnitudes.end());
    }
    const double inverse = peak > 0 ? 1.0 / peak : 0.0;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const double v = std::clamp(map[static_cast<std::size_t>(y) * width + x] * inverse, -1.0, 1.0);
            double a = 0;
            std::array<double, 3> colour{};
            if (scale == MapScale::Signed && v < 0) {
                a = -v;  // cool: blue to cyan
                colour = {0.0, std::clamp(2 * a - 1, 0.0, 1.0), 1.0};
            } else {
                a = scale == MapScale::Absolute ? std::abs(v) : std::max(0.0, v);
                colour = {std::clamp(3 * a, 0.0, 1.0), std::clamp(3 * a - 1, 0.0, 1.0),
                          std::clamp(3 * a - 2, 0.0, 1.0)};
            }
            const double alpha = opacity * std::min(1.0, 1.5 * a);
            for (int c = 0; c < 3; ++c) {
                const double base = image.at(image.shape.channels == 1 ? 0 : c, y, x);
                out.at(c, y, x) =
                    static_cast<float>((1 - alpha) * base + alpha * colour[static_cast<std::size_t>(c)]);
            }
        }
    return out;
}

std::string writeAttributionResults(const AttributionResults& results, const std::string& directory) {
    const fs::path dir(directory);
    fs::create_directories(dir);
    writeCsvs(results, dir);
    writeImages(results, dir);
    const auto charts = writeCharts(results, dir);

    std::ostringstream html;
    html << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>NetSight attribution</title>"
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccd;padding:2px 8px;"
            "text-align:right}th{background:#eef}.note,.ci{color:#555;font-size:.9em}img{max-width:100%}</"
            "style>"
            "</head><body><h1>Where does it look?</h1>";
    html << "<p>" << results.images.size() << " images from " << report::escapeXml(results.dataSource)
         << "; each map explains the " << report::escapeXml(results.targetName)
         << " class's logit. Warm: evidence for the class; cool (signed methods): against it.</p>";
    for (const auto& note : results.notes)
        html << "<p class='note'>" << report::escapeXml(note) << "</p>";
    if (fs::exists(dir / "overlays.png"))
        html << "<img alt='maps' src='data:image/png;base64,"
             << report::base64(report::readFileBytes((dir / "overlays.png").string())) << "'>";
    html << "<h2>Checks of the maps</h2>" << summaryTable(results)
         << "<p class='note'>Mean over the images with its 95% interval (t; shares: Wilson). "
            "<b>Deletion</b>: the "
            "most relevant pixels are replaced by the image blurred, 5% at a time, and the explained class's "
            "probability is averaged along the way (a faithful map makes it fall fast). <b>Insertion</b>: "
            "from the "
            "blurred image, the most relevant pixels come back first. <b>Average drop</b>: the share of the "
            "confidence lost when the image is multiplied by the map scaled to [0, 1]; <b>increase</b>: the "
            "share "
            "of images whose confidence rose (Chattopadhay et al. 2018). <b>Energy on the object</b>: the "
            "share of "
            "the map's positive part inside the object's mask (FactorWorld knows it), beside what a uniform "
            "map "
            "scores; <b>pointing game</b>: the map's maximum lies on the object. <b>Randomization</b>: the "
            "weights are re-initialized module by module from the output down and the maps recomputed; a map "
            "that "
            "explains the model must change (Adebayo et al. 2018): rank correlation near 0.</p>";
    for (const auto& [file, svg] : charts)
        html << "<div>" << svg << "</div>";
    for (const auto& s : results.summaries) {
        if (s.perClass.empty()) continue;
        html << "<h3>Per class: " << report::escapeXml(s.classifier) << ", " << methodName(s.method)
             << "</h3><table><tr><th>class</th><th>images</th><th>accuracy</th><th>deletion area</th>"
                "<th>energy on the object</th></tr>";
        for (const auto& c : s.perClass)
            html << "<tr><td>" << report::escapeXml(c.name) << "</td><td>" << c.images << "</td><td>"
                 << number(c.accuracy) << "</td><td>" << number(c.deletionArea) << "</td><td>"
                 << number(c.maskEnergy) << "</td></tr>";
        html << "</table>";
    }
    html << "<p class='note'>Data behind this page: summary.csv, per_class.csv, curves.csv, "
            "randomization.csv, images.csv, "
            "maps/*.npy (one float32 map per image and method, numpy.load reads it) and maps/*.png. Made by "
            "NetSight.</p></body></html>\n";
    const std::string report = (dir / "report.html").string();
    runtime::writeFileAtomically(report, html.str());
    return report;
}

namespace {

std::vector<std::string> csvFields(const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream split(line);
    while (std::getline(split, field, ','))
        fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
}

double csvNumber(const std::string& text) {
    if (text.empty()) return NAN;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    return end == text.c_str() ? NAN : value;
}

probe::Interval csvInterval(const std::vector<std::string>& fields, std::size_t at) {
    probe::Interval interval;
    interval.estimate = csvNumber(fields[at]);
    interval.low = csvNumber(fields[at + 1]);
    interval.high = csvNumber(fields[at + 2]);
    return interval;
}

std::vector<std::vector<std::string>> csvRows(const fs::path& file) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line)) return rows;  // the header
    while (std::getline(in, line))
        if (!line.empty()) rows.push_back(csvFields(line));
    return rows;
}

}  // namespace

std::vector<MethodSummary> readAttributionSummaries(const std::string& directoryText) {
    const fs::path directory(directoryText);
    std::vector<MethodSummary> summaries;
    std::map<std::pair<std::string, std::string>, std::size_t> byKey;  // (classifier, method) -> index
    for (const auto& f : csvRows(directory / "summary.csv")) {
        const auto method = f.size() == 32 ? methodNamed(f[1]) : std::nullopt;
        if (!method) continue;
        MethodSummary s;
        s.classifier = f[0];
        s.method = *method;
        s.layer = f[2];
        s.images = static_cast<std::size_t>(std::max(0.0, csvNumber(f[3])));
        s.deletionArea = csvInterval(f, 4);
        s.insertionArea = csvInterval(f, 7);
        s.averageDrop = csvInterval(f, 10);
        s.increase = csvInterval(f, 13);
        s.maskEnergy = csvInterval(f, 16);
        s.pointing = csvInterval(f, 19);
        s.cueEnergy = csvInterval(f, 22);
        s.maskShare = csvNumber(f[25]);
        s.cueShare = csvNumber(f[26]);
        s.completenessGap = csvInterval(f, 27);
        s.imagesPerSecond = csvNumber(f[31]);
        byKey[{s.classifier, f[1]}] = summaries.size();
        summaries.push_back(std::move(s));
    }
    for (const auto& f : csvRows(directory / "randomization.csv")) {
        if (f.size() != 7) continue;
        const auto found = byKey.find({f[0], f[1]});
        if (found == byKey.end()) continue;
        MethodSummary& s = summaries[found->second];
        s.randomizedCounts.push_back(static_cast<int>(csvNumber(f[2])));
        s.randomizedLayers.push_back(f[3]);
        s.randomizationRank.push_back(csvInterval(f, 4));
    }
    for (const auto& f : csvRows(directory / "per_class.csv")) {
        if (f.size() < 7) continue;  // a class name may hold commas: the numbers are the last four fields
        const auto found = byKey.find({f[0], f[1]});
        if (found == byKey.end()) continue;
        ClassBreakdown c;
        for (std::size_t k = 2; k + 4 < f.size(); ++k)
            c.name += (k > 2 ? "," : "") + f[k];
        const std::size_t n = f.size();
        c.images = static_cast<std::size_t>(std::max(0.0, csvNumber(f[n - 4])));
        c.accuracy = csvNumber(f[n - 3]);
        c.deletionArea = csvNumber(f[n - 2]);
        c.maskEnergy = csvNumber(f[n - 1]);
        summaries[found->second].perClass.push_back(c);
    }
    return summaries;
}

}  // namespace netsight::attribution
