// The factor lab's outputs: CSV and JSON for the user's own plotting, SVG figures, PNG maps and a
// self-contained HTML report; and reading them back for the GUI.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netsight/data/ContactSheet.h"
#include "netsight/factors/FactorLab.h"
#include "netsight/runtime/AtomicFile.h"
#include "report/Html.h"
#include "report/SvgChart.h"

namespace fs = std::filesystem;

namespace netsight::factors {
namespace {

using nlohmann::json;
using report::ChartOptions;
using report::ChartSeries;
using report::svgBarChart;
using report::svgLineChart;

std::string slug(const std::string& text) {
    std::string out;
    for (char c : text)
        out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

std::string baseFile(const ClassificationImage& image) {
    std::ostringstream name;
    name << "classification_images/" << std::setw(2) << std::setfill('0') << image.identity << "-"
         << slug(image.className);
    return name.str();
}

std::vector<std::string> layerLabels(const FactorReport& report) {
    std::vector<std::string> labels;
    for (const auto& layer : report.layers)
        labels.push_back(layer.layer);
    return labels;
}

// One series per factor of a per-layer statistic.
std::vector<ChartSeries> byDepth(const FactorReport& report,
                                 const std::vector<double> LayerInfo::*statistic) {
    std::vector<ChartSeries> series;
    if (report.layers.empty()) return series;
    for (std::size_t f = 0; f < report.layers.front().factors.size(); ++f) {
        ChartSeries s;
        s.name = report.layers.front().factors[f];
        s.dashed = s.name == "pose";
        for (std::size_t l = 0; l < report.layers.size(); ++l) {
            s.x.push_back(static_cast<double>(l));
            s.y.push_back((report.layers[l].*statistic)[f]);
        }
        series.push_back(std::move(s));
    }
    return series;
}

ChartOptions chart(const std::string& title, const std::string& xLabel, const std::string& yLabel) {
    ChartOptions options;
    options.title = title;
    options.xLabel = xLabel;
    options.yLabel = yLabel;
    return options;
}

std::map<std::string, std::string> figures(const FactorReport& report) {
    std::map<std::string, std::string> svg;
    std::vector<std::string> labels;
    std::vector<double> values;
    for (const auto& d : report.decision) {
        labels.push_back(d.factor);
        values.push_back(d.bits);
    }
    svg["decision.svg"] = svgBarChart(
        labels, values,
        chart("What the decision carries (identity: with the predicted class; factors: with the logits)", "",
              "bits"));
    ChartOptions depth = chart("Mean MI per unit across depth", "layer", "bits (mean over units)");
    depth.xTickLabels = layerLabels(report);
    svg["mi_by_depth.svg"] = svgLineChart(byDepth(report, &LayerInfo::meanBits), depth);
    depth.title = "Share of informative units (above the shuffled 99th percentile)";
    depth.yLabel = "share of units";
    svg["informative_by_depth.svg"] = svgLineChart(byDepth(report, &LayerInfo::informativeShare), depth);
    ChartSeries pose{"I(unit; pose)", {}, {}, {}, true},
        identity{"I(unit; identity | pose)", {}, {}, {}, false};
    for (std::size_t l = 0; l < report.layers.size(); ++l) {
        pose.x.push_back(static_cast<double>(l));
        identity.x.push_back(static_cast<double>(l));
        pose.y.push_back(report.layers[l].poseBits);
        identity.y.push_back(report.layers[l].identityGivenPoseBits);
    }
    ChartOptions invariance = chart("Invariance to pose across depth", "layer", "bits (mean over units)");
    invariance.xTickLabels = layerLabels(report);
    svg["invariance.svg"] = svgLineChart({identity, pose}, invariance);
    std::vector<ChartSeries> morphs;
    for (const auto& m : report.morphs)
        morphs.push_back({m.kind + " only", m.distance, m.probability, m.standardError, false});
    ChartOptions morphOptions =
        chart("Generalization gradients", "morph distance towards another identity", "p(original identity)");
    svg["morphs.svg"] = svgLineChart(morphs, morphOptions);
    return svg;
}

}  // namespace

data::RgbBuffer correlationPicture(const ClassificationImage& image) {
    const std::size_t plane = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
    data::RgbBuffer out;
    out.width = image.width;
    out.height = image.height;
    out.rgb.resize(plane * 3);
    float scale = 1e-6f;
    for (float v : image.correlation)
        scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < plane; ++i)
        for (std::size_t c = 0; c < 3; ++c) {
            const std::size_t channel = image.channels == 3 ? c : 0;
            const float v =
                channel * plane + i < image.correlation.size() ? image.correlation[channel * plane + i] : 0;
            out.rgb[i * 3 + c] =
                static_cast<std::uint8_t>(std::lround(127.5f + 127.5f * std::clamp(v / scale, -1.0f, 1.0f)));
        }
    return out;
}

double signalToNoise(const ClassificationImage& image) {
    float top = 0;
    for (float v : image.correlation)
        top = std::max(top, std::abs(v));
    return image.noiseFloor > 0 ? top / image.noiseFloor : 0.0;
}

void setIntrinsicFactor(data::Identity& identity, std::size_t index, double value) {
    const std::size_t shapes = identity.shape.size();
    if (index < shapes) {
        identity.shape[index] = value;
        return;
    }
    index -= shapes;
    if (index < 4) {
        // Freeze the blended texture as the identity's own, then set the one field.
        const auto factors = data::FactorWorld::intrinsicFactors(identity);
        auto& t = identity.texture;
        t.orientationRad = factors[shapes];
        t.frequency = factors[shapes + 1];
        t.noiseWeight = factors[shapes + 2];
        t.contrast = factors[shapes + 3];
        identity.textureMix = 0;
        double* fields[] = {&t.orientationRad, &t.frequency, &t.noiseWeight, &t.contrast};
        *fields[index] = value;
        return;
    }
    index -= 4;
    if (index < 3) {
        identity.colourA[index] = value;
    } else if (index < 6) {
        identity.colourB[index - 3] = value;
    } else {
        throw std::out_of_range("intrinsic factor " + std::to_string(index + shapes + 4) + " does not exist");
    }
}

std::string factorCsv(const FactorReport& report, FactorTable table) {
    std::ostringstream csv;
    csv << std::setprecision(6);
    switch (table) {
        case FactorTable::Decision:
            csv << "factor,bits\n";
            for (const auto& d : report.decision)
                csv << d.factor << "," << d.bits << "\n";
            break;
        case FactorTable::Layers:
            csv << "index,layer,units,constant_units,factor,mean_bits,max_bits,informative_share,threshold_"
                   "bits\n";
            for (std::size_t l = 0; l < report.layers.size(); ++l) {
                const auto& layer = report.layers[l];
                for (std::size_t f = 0; f < layer.factors.size(); ++f)
                    csv << l << "," << layer.layer << "," << layer.units << "," << layer.constantUnits << ","
                        << layer.factors[f] << "," << layer.meanBits[f] << "," << layer.maxBits[f] << ","
                        << layer.informativeShare[f] << "," << layer.threshold[f] << "\n";
            }
            break;
        case FactorTable::Invariance:
            csv << "index,layer,pose_bits,identity_given_pose_bits\n";
            for (std::size_t l = 0; l < report.layers.size(); ++l)
                csv << l << "," << report.layers[l].layer << "," << report.layers[l].poseBits << ","
                    << report.layers[l].identityGivenPoseBits << "\n";
            break;
        case FactorTable::Morphs:
            csv << "kind,distance,probability,standard_error\n";
            for (const auto& m : report.morphs)
                for (std::size_t i = 0; i < m.distance.size(); ++i)
                    csv << m.kind << "," << m.distance[i] << "," << m.probability[i] << ","
                        << m.standardError[i] << "\n";
            break;
    }
    return csv.str();
}

void writeFactorReport(const FactorReport& report, const std::string& directory) {
    const fs::path dir(directory);
    fs::create_directories(dir / "classification_images");
    auto write = [&](const std::string& name, const std::string& text) {
        runtime::writeFileAtomically((dir / name).string(), text);
    };
    write("decision.csv", factorCsv(report, FactorTable::Decision));
    write("layers.csv", factorCsv(report, FactorTable::Layers));
    write("invariance.csv", factorCsv(report, FactorTable::Invariance));
    write("morphs.csv", factorCsv(report, FactorTable::Morphs));

    // Classification images: the clean render and the map, per identity and as one sheet.
    std::vector<std::vector<data::Image>> rows;
    std::vector<std::string> rowTitles;
    json maps = json::array();
    for (const auto& image : report.classificationImages) {
        const std::string stem = baseFile(image);
        data::writePng(image.base, (dir / (stem + "-render.png")).string());
        const data::RgbBuffer picture = correlationPicture(image);
        data::writePng(picture, (dir / (stem + "-map.png")).string());
        rows.push_back({data::fromRgbBuffer(image.base), data::fromRgbBuffer(picture)});
        rowTitles.push_back(image.className);
        maps.push_back({{"identity", image.identity},
                        {"class", image.className},
                        {"width", image.width},
                        {"channels", image.channels},
                        {"signal_to_noise", signalToNoise(image)},
                        {"height", image.height},
                        {"mean_probability", image.meanProbability},
                        {"noise_floor", image.noiseFloor},
                        {"render", stem + "-render.png"},
                        {"correlation", image.correlation}});
    }
    std::string sheetBytes;
    if (!rows.empty()) {
        data::writePng(data::imageGrid(rows, {"render", "noise -> identity"}, rowTitles, 128),
                       (dir / "classification_images.png").string());
        sheetBytes = report::readFileBytes((dir / "classification_images.png").string());
    }
    const auto svg = figures(report);
    for (const auto& [name, text] : svg)
        write(name, text);

    json layersJson = json::array();
    for (const auto& layer : report.layers) {
        json factors = json::array();
        for (std::size_t f = 0; f < layer.factors.size(); ++f)
            factors.push_back({{"factor", layer.factors[f]},
                               {"mean_bits", layer.meanBits[f]},
                               {"max_bits", layer.maxBits[f]},
                               {"informative_share", layer.informativeShare[f]},
                               {"threshold_bits", layer.threshold[f]}});
        layersJson.push_back({{"layer", layer.layer},
                              {"shape", layer.shape},
                              {"units", layer.units},
                              {"constant_units", layer.constantUnits},
                              {"pose_bits", layer.poseBits},
                              {"identity_given_pose_bits", layer.identityGivenPoseBits},
                              {"factors", factors}});
    }
    json decisionJson = json::array(), morphsJson = json::array();
    for (const auto& d : report.decision)
        decisionJson.push_back({{"factor", d.factor}, {"bits", d.bits}});
    for (const auto& m : report.morphs)
        morphsJson.push_back({{"kind", m.kind},
                              {"distance", m.distance},
                              {"probability", m.probability},
                              {"standard_error", m.standardError}});
    const json all = {{"schema", 1},
                      {"model", report.model},
                      {"architecture", report.architecture},
                      {"data", report.dataSource},
                      {"classes", report.classNames},
                      {"samples", report.samples},
                      {"stimulus_accuracy", report.stimulusAccuracy},
                      {"seconds", report.seconds},
                      {"notes", report.notes},
                      {"decision", decisionJson},
                      {"layers", layersJson},
                      {"morphs", morphsJson},
                      {"classification_images", maps}};
    write("factors.json", all.dump(1) + "\n");

    // The report: everything in one file.
    using report::escapeXml;
    std::ostringstream html;
    html << std::setprecision(3)
         << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>NetSight factor lab</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;"
            "margin:1em 0}td,th{border:1px solid #ccd;padding:3px 8px;text-align:right}th{background:#eef}"
            "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}.note{color:#555;font-size:.9em}</style></"
            "head><body>"
         << "<h1>Which factors does this classifier carry? — factor lab</h1><p class='note'>Model <code>"
         << escapeXml(report.model) << "</code> (" << escapeXml(report.architecture) << ") · data <code>"
         << escapeXml(report.dataSource) << "</code> · " << report.samples << " stimuli, accuracy on them "
         << report.stimulusAccuracy * 100 << "% · " << report.seconds
         << " s. All MI in bits, Gaussian-copula "
         << "estimates (a lower bound), bias-corrected.</p>";
    html
        << "<h2>Decision</h2><p class='note'>Identity: MI with the predicted class (plug-in, at most log2 of "
           "the number of classes). Every other factor: Gaussian-copula MI between the factor group and the "
           "logits "
           "(rotation and light direction as cosine and sine).</p>"
        << svg.at("decision.svg");
    html << "<h2>Layers</h2><p class='note'>Per unit (channels average-pooled to a few positions), then the "
            "mean "
            "over units.</p>"
         << svg.at("mi_by_depth.svg") << svg.at("informative_by_depth.svg");
    html << "<h2>Invariance to pose</h2><p class='note'>Where I(unit; identity | pose) stays while I(unit; "
            "pose) "
            "falls, the representation has become pose-invariant.</p>"
         << svg.at("invariance.svg");
    html << "<h2>Shape or texture</h2><p class='note'>Each identity morphed towards another in one intrinsic "
            "group only; mean probability of the original identity ± standard error.</p>"
         << svg.at("morphs.svg");
    if (!sheetBytes.empty())
        html << "<h2>Reverse correlation</h2><p class='note'>Correlation of the noise in each cell of pixels "
                "and each "
                "colour channel with the identity's logit margin, shown as mid-grey plus the correlations: "
                "where the "
                "map is brighter or coloured, adding that colour there pushes towards the identity; darker, "
                "away. "
                "Without any effect the correlations would scatter by about "
             << (report.classificationImages.empty() ? 0.0 : report.classificationImages.front().noiseFloor)
             << " (the largest over that floor is in factors.json as signal_to_noise).</p>"
             << "<img alt='classification images' src='data:image/png;base64," << report::base64(sheetBytes)
             << "'>";
    if (!report.notes.empty()) {
        html << "<h2>Notes</h2><ul>";
        for (const auto& note : report.notes)
            html << "<li>" << escapeXml(note) << "</li>";
        html << "</ul>";
    }
    html << "</body></html>\n";
    write("report.html", html.str());
}

FactorReport readFactorReport(const std::string& directory) {
    const fs::path path = fs::path(directory) / "factors.json";
    json all;
    try {
        all = json::parse(report::readFileBytes(path.string()));
    } catch (const json::exception& error) {
        throw std::runtime_error(path.string() + " is not valid JSON (" + error.what() +
                                 "); run the analysis again");
    }
    try {
        FactorReport report;
        report.model = all.at("model").get<std::string>();
        report.architecture = all.at("architecture").get<std::string>();
        report.dataSource = all.at("data").get<std::string>();
        report.classNames = all.at("classes").get<std::vector<std::string>>();
        report.samples = all.at("samples").get<std::size_t>();
        report.stimulusAccuracy = all.at("stimulus_accuracy").get<double>();
        report.seconds = all.at("seconds").get<double>();
        report.notes = all.at("notes").get<std::vector<std::string>>();
        for (const auto& d : all.at("decision"))
            report.decision.push_back({d.at("factor").get<std::string>(), d.at("bits").get<double>()});
        for (const auto& l : all.at("layers")) {
            LayerInfo layer;
            layer.layer = l.at("layer").get<std::string>();
            layer.shape = l.at("shape").get<std::vector<std::int64_t>>();
            layer.units = l.at("units").get<std::size_t>();
            layer.constantUnits = l.at("constant_units").get<std::size_t>();
            layer.poseBits = l.at("pose_bits").get<double>();
            layer.identityGivenPoseBits = l.at("identity_given_pose_bits").get<double>();
            for (const auto& f : l.at("factors")) {
                layer.factors.push_back(f.at("factor").get<std::string>());
                layer.meanBits.push_back(f.at("mean_bits").get<double>());
                layer.maxBits.push_back(f.at("max_bits").get<double>());
                layer.informativeShare.push_back(f.at("informative_share").get<double>());
                layer.threshold.push_back(f.at("threshold_bits").get<double>());
            }
            report.layers.push_back(std::move(layer));
        }
        for (const auto& m : all.at("morphs"))
            report.morphs.push_back({m.at("kind").get<std::string>(),
                                     m.at("distance").get<std::vector<double>>(),
                                     m.at("probability").get<std::vector<double>>(),
                                     m.at("standard_error").get<std::vector<double>>()});
        for (const auto& c : all.at("classification_images")) {
            ClassificationImage image;
            image.identity = c.at("identity").get<int>();
            image.className = c.at("class").get<std::string>();
            image.width = c.at("width").get<int>();
            image.height = c.at("height").get<int>();
            image.channels = c.at("channels").get<int>();
            image.meanProbability = c.at("mean_probability").get<double>();
            image.noiseFloor = c.at("noise_floor").get<double>();
            image.correlation = c.at("correlation").get<std::vector<float>>();
            const fs::path render = fs::path(directory) / c.at("render").get<std::string>();
            if (fs::exists(render)) image.base = data::toRgbBuffer(data::readImageFile(render.string()));
            report.classificationImages.push_back(std::move(image));
        }
        // What the views index without checking: say here that the file does not hold it.
        if (report.decision.empty()) throw std::runtime_error(path.string() + " holds no decision row");
        for (const auto& layer : report.layers)
            if (layer.factors != report.layers.front().factors ||
                layer.meanBits.size() != layer.factors.size())
                throw std::runtime_error(path.string() + ": layer " + layer.layer +
                                         " lists other factors than the first layer");
        for (const auto& morph : report.morphs)
            if (morph.probability.size() != morph.distance.size() ||
                morph.standardError.size() != morph.distance.size())
                throw std::runtime_error(path.string() + ": the " + morph.kind +
                                         " morph's arrays differ in length");
        for (const auto& image : report.classificationImages)
            if (image.correlation.size() !=
                static_cast<std::size_t>(image.channels) * image.width * image.height)
                throw std::runtime_error(path.string() + ": the map of " + image.className +
                                         " has the wrong size");
        return report;
    } catch (const json::exception& error) {
        throw std::runtime_error(path.string() + " lacks a field the factor lab writes (" + error.what() +
                                 "); it was not written by this version: run the analysis again");
    }
}

}  // namespace netsight::factors
