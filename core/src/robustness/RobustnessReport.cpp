#include "netsight/robustness/RobustnessReport.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "netsight/data/ContactSheet.h"
#include "netsight/probe/Uncertainty.h"
#include "netsight/runtime/AtomicFile.h"
#include "report/Html.h"
#include "report/SvgChart.h"

namespace netsight::robustness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string fixed(double value, int digits = 3) {
    if (std::isinf(value)) return value > 0 ? "&gt; max" : "-inf";
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

std::string chartSvg(std::vector<report::ChartSeries> series, const std::string& title,
                     const std::string& xLabel, const std::string& yLabel) {
    report::ChartOptions chart;
    chart.title = title;
    chart.xLabel = xLabel;
    chart.yLabel = yLabel;
    return report::svgLineChart(series, chart);
}

report::ChartSeries line(const std::string& name, const std::vector<double>& x,
                         const std::vector<probe::Interval>& y) {
    report::ChartSeries series;
    series.name = name;
    series.x = x;
    for (const auto& point : y) {
        series.y.push_back(point.estimate);
        series.error.push_back(point.halfWidth());
    }
    return series;
}

// Infinite values (a median beyond the largest radius) as null.
json intervalsJson(const std::vector<probe::Interval>& intervals) {
    auto number = [](double value) { return std::isfinite(value) ? json(value) : json(nullptr); };
    json list = json::array();
    for (const auto& point : intervals)
        list.push_back({number(point.estimate), number(point.low), number(point.high)});
    return list;
}

std::vector<probe::Interval> intervalsFrom(const json& list) {
    std::vector<probe::Interval> intervals;
    auto number = [](const json& value) {
        return value.is_null() ? std::numeric_limits<double>::infinity() : value.get<double>();
    };
    for (const auto& point : list)
        intervals.push_back({number(point.at(0)), number(point.at(1)), number(point.at(2))});
    return intervals;
}

std::string fileSafe(std::string text) {
    for (char& c : text)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) c = '-';
    return text;
}

double mean(const std::vector<double>& values) {
    return values.empty()
               ? 0.0
               : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::string intervalCsv(const probe::Interval& interval) {
    std::ostringstream text;
    text.precision(12);
    text << interval.estimate << "," << interval.low << "," << interval.high;
    return text.str();
}

}  // namespace

std::string robustnessSectionHtml(const RobustnessResults& results,
                                  const std::vector<GroupComparison>& comparisons,
                                  const std::string& probeSummaryJson) {
    std::ostringstream html;
    html
        << "<h2>Robustness</h2><p class='note'>From the robustness bench (results/robustness/report.html has "
           "every curve). Accuracy under each attack at its middle radius, each classifier's median minimal "
           "L2 "
           "perturbation, with 95% intervals over the test images.</p>";
    const auto names = results.classifiers();
    // The probe's order, when it ran.
    std::map<std::string, int> score;
    if (!probeSummaryJson.empty()) {
        try {
            const auto summary = json::parse(probeSummaryJson);
            const auto classifiers = summary.at("classifiers").get<std::vector<std::string>>();
            const auto scores = summary.at("order").at("score").get<std::vector<int>>();
            for (std::size_t i = 0; i < classifiers.size() && i < scores.size(); ++i)
                score[classifiers[i]] = scores[i];
        } catch (const std::exception&) {
            score.clear();
        }
    }
    std::vector<const AttackCurve*> columns;
    for (const auto& curve : results.attacks)
        if (curve.scale < 0 && std::none_of(columns.begin(), columns.end(),
                                            [&](const AttackCurve* c) { return c->attack == curve.attack; }))
            columns.push_back(&curve);
    html << "<table><tr><th>classifier</th>";
    if (!score.empty()) html << "<th>probe: beats</th>";
    html << "<th>clean accuracy</th>";
    for (const auto* column : columns)
        html << "<th>" << report::escapeXml(column->attack) << " at "
             << fixed(column->radii[column->radii.size() / 2]) << "</th>";
    html << "<th>median minimal L2</th></tr>";
    std::vector<double> probeScores, medians;
    for (const auto& name : names) {
        html << "<tr><th>" << report::escapeXml(name) << "</th>";
        if (!score.empty())
            html << "<td>" << (score.count(name) ? std::to_string(score[name]) : "—") << "</td>";
        const AttackCurve* any = nullptr;
        for (const auto& curve : results.attacks)
            if (curve.classifier == name && curve.scale < 0) any = &curve;
        html << "<td>" << (any ? fixed(any->accuracy.front().estimate) : "—") << "</td>";
        for (const auto* column : columns) {
            const AttackCurve* found = nullptr;
            for (const auto& curve : results.attacks)
                if (curve.classifier == name && curve.attack == column->attack && curve.scale < 0)
                    found = &curve;
            if (!found) {
                html << "<td>—</td>";
                continue;
            }
            const auto& point = found->accuracy[found->radii.size() / 2];
            html << "<td>" << fixed(point.estimate) << " [" << fixed(point.low) << ", " << fixed(point.high)
                 << "]</td>";
        }
        const MinimalPerturbations* minimal = nullptr;
        for (const auto& m : results.minimal)
            if (m.classifier == name && m.scale < 0) minimal = &m;
        if (minimal) {
            html << "<td>" << fixed(minimal->median.estimate) << " [" << fixed(minimal->median.low) << ", "
                 << fixed(minimal->median.high) << "]</td>";
            if (score.count(name)) {
                probeScores.push_back(score[name]);
                medians.push_back(minimal->median.estimate);
            }
        } else {
            html << "<td>—</td>";
        }
        html << "</tr>";
    }
    html << "</table>";
    if (probeScores.size() >= 3) {
        // Kendall's tau between the probe's wins and the median minimal perturbation.
        double concordant = 0, discordant = 0;
        for (std::size_t i = 0; i < probeScores.size(); ++i)
            for (std::size_t j = i + 1; j < probeScores.size(); ++j) {
                const double s = (probeScores[i] - probeScores[j]) * (medians[i] - medians[j]);
                concordant += s > 0;
                discordant += s < 0;
            }
        const double tau =
            (concordant + discordant) > 0 ? (concordant - discordant) / (concordant + discordant) : 0;
        html << "<p>The probe's order and robustness to the minimal attack "
             << (tau > 0.3    ? "agree"
                 : tau < -0.3 ? "disagree"
                              : "are unrelated")
             << ": Kendall &tau; " << fixed(tau, 2)
             << " between the wins in the transfer matrix and the median minimal perturbation, over "
             << probeScores.size() << " classifiers (a description, not a test).</p>";
    }
    if (!comparisons.empty())
        html << "<p><b>" << report::escapeXml(comparisonVerdict(comparisons)) << "</b></p>";
    return html.str();
}

std::string writeRobustnessResults(const RobustnessResults& results, const std::string& directory,
                                   const std::vector<GroupComparison>& comparisons) {
    fs::create_directories(directory);
    const fs::path dir(directory);
    writePerturbationCsv(results.perturbations, (dir / "perturbations.csv").string());

    std::ostringstream attacks;
    attacks
        << "classifier,attack,scale,radius,accuracy,low,high,target_reached,target_low,target_high,images\n";
    attacks.precision(12);
    for (const auto& curve : results.attacks)
        for (std::size_t k = 0; k < curve.radii.size(); ++k) {
            attacks << curve.classifier << "," << curve.attack << "," << scaleName(curve.scale) << ","
                    << curve.radii[k] << "," << intervalCsv(curve.accuracy[k]) << ",";
            if (k < curve.targetReached.size())
                attacks << intervalCsv(curve.targetReached[k]);
            else
                attacks << ",,";
            attacks << "," << curve.images << "\n";
        }
    runtime::writeFileAtomically((dir / "attacks.csv").string(), attacks.str());

    std::ostringstream minimal, minimalSummary;
    minimal << "classifier,scale,image,radius\n";
    minimalSummary << "classifier,scale,median,low,high,max_radius,fooled_within_max,images\n";
    minimal.precision(12);
    minimalSummary.precision(12);
    for (const auto& m : results.minimal) {
        std::size_t fooled = 0;
        for (std::size_t i = 0; i < m.radii.size(); ++i) {
            minimal << m.classifier << "," << scaleName(m.scale) << "," << i << "," << m.radii[i] << "\n";
            fooled += std::isfinite(m.radii[i]);
        }
        minimalSummary << m.classifier << "," << scaleName(m.scale) << "," << intervalCsv(m.median) << ","
                       << m.maxRadius << "," << fooled << "," << m.radii.size() << "\n";
    }
    runtime::writeFileAtomically((dir / "minimal.csv").string(), minimal.str());
    runtime::writeFileAtomically((dir / "minimal_summary.csv").string(), minimalSummary.str());

    std::ostringstream examples;
    examples << "classifier,image,label,clean_prediction,adversarial_prediction,attack,radius,checked\n";
    examples.precision(12);
    std::vector<std::vector<data::Image>> rows;
    std::vector<std::string> rowTitles;
    for (const auto& example : results.examples) {
        examples << example.classifier << "," << example.index << "," << example.labelName << ","
                 << example.cleanName << "," << example.adversarialName << "," << example.attack << ","
                 << example.radius << ",prediction differs from the label\n";
        // The difference, amplified around grey, so that a small perturbation is visible.
        data::Image difference(example.original.shape);
        float largest = 1e-6f;
        for (std::size_t p = 0; p < difference.pixels.size(); ++p)
            largest = std::max(largest, std::abs(example.adversarial.pixels[p] - example.original.pixels[p]));
        for (std::size_t p = 0; p < difference.pixels.size(); ++p)
            difference.pixels[p] =
                0.5f + 0.5f * (example.adversarial.pixels[p] - example.original.pixels[p]) / largest;
        rows.push_back({example.original, example.adversarial, difference});
        std::ostringstream title;
        title << example.classifier << " #" << example.index << ": " << example.labelName << " -> "
              << example.adversarialName << ", L2 " << std::fixed << std::setprecision(2) << example.radius;
        rowTitles.push_back(title.str());
    }
    runtime::writeFileAtomically((dir / "examples.csv").string(), examples.str());
    std::string examplesPng;
    if (!rows.empty()) {
        examplesPng = (dir / "examples.png").string();
        data::writePng(data::imageGrid(rows, {"image", "adversarial", "difference"}, rowTitles, 96),
                       examplesPng);
    }

    std::ostringstream comparisonCsv;
    comparisonCsv
        << "measure,first,second,first_mean,second_mean,difference,low,high,significant,over_seeds\n";
    comparisonCsv.precision(12);
    for (const auto& c : comparisons)
        comparisonCsv << "\"" << c.measure << "\"," << c.first << "," << c.second << ","
                      << mean(c.firstValues) << "," << mean(c.secondValues) << ","
                      << intervalCsv(c.difference) << "," << c.significant << "," << c.overSeeds << "\n";
    runtime::writeFileAtomically((dir / "comparisons.csv").string(), comparisonCsv.str());

    // Charts.
    std::ostringstream body;
    auto addChart = [&](const std::string& file, const std::string& svg) {
        runtime::writeFileAtomically((dir / file).string(), svg);
        body << svg;
    };
    if (!comparisons.empty()) {
        body << "<h2>The answer</h2><p><b>" << report::escapeXml(comparisonVerdict(comparisons))
             << "</b></p><ul>";
        for (const auto& c : comparisons)
            body << "<li>" << report::escapeXml(c.sentence) << "</li>";
        body << "</ul>";
    }
    if (!results.minimal.empty()) {
        body << "<h2>Minimal L2 perturbations</h2><p class='note'>The share of images whose prediction a "
                "perturbation of at most each L2 radius changes (misclassified images count at 0), searched "
                "per "
                "image by bisection with PGD between the largest radius of the L2 curve at which PGD failed "
                "and "
                "the smallest at which it "
                "succeeded.</p><table><tr><th>classifier</th><th>scale</th><th>median "
                "[95%]</th><th>fooled within "
             << fixed(results.minimal.front().maxRadius, 2) << "</th></tr>";
        for (const auto& m : results.minimal) {
            std::size_t fooled = 0;
            for (double r : m.radii)
                fooled += std::isfinite(r);
            body << "<tr><th>" << report::escapeXml(m.classifier) << "</th><td>" << scaleName(m.scale)
                 << "</td><td>" << fixed(m.median.estimate) << " [" << fixed(m.median.low) << ", "
                 << fixed(m.median.high) << "]</td><td>" << fooled << " of " << m.radii.size()
                 << "</td></tr>";
        }
        body << "</table>";
        std::vector<int> scales;
        for (const auto& m : results.minimal)
            if (std::find(scales.begin(), scales.end(), m.scale) == scales.end()) scales.push_back(m.scale);
        for (int scale : scales) {
            std::vector<report::ChartSeries> series;
            for (const auto& m : results.minimal)
                if (m.scale == scale) series.push_back(line(m.classifier, m.grid, m.fooled));
            addChart("minimal-l2" + (scale < 0 ? std::string() : "-" + scaleName(scale)) + ".svg",
                     chartSvg(series,
                              "Images fooled by an L2 perturbation of at most r" +
                                  (scale < 0 ? std::string() : " (" + scaleName(scale) + " scale alone)"),
                              "L2 radius r, images in [0, 1]", "share fooled"));
        }
    }
    if (!results.examples.empty())
        body << "<h2>Adversarial examples</h2><p class='note'>Each checked: the classifier's prediction on "
                "the "
                "stored example differs from the label.</p><img alt='adversarial examples' "
                "src='data:image/png;base64,"
             << report::base64(report::readFileBytes(examplesPng)) << "'>";
    if (!results.attacks.empty()) {
        body
            << "<h2>Accuracy under attack</h2><p class='note'>PGD: a stated number of steps of 2.5 &times; "
               "radius / steps from a random start in the ball, projected into the ball and [0, 1] after "
               "each; "
               "FGSM: one step of the radius. Targeted attacks aim at class (label + 1) mod classes. A scale "
               "alone (topdown, bottomup): the perturbation is added to that level of the network's input "
               "pyramid only, in image units (not clipped to [0, 1]). 95% Wilson intervals over the "
               "images.</p>";
        std::vector<std::pair<std::string, int>> keys;
        for (const auto& curve : results.attacks)
            if (std::find(keys.begin(), keys.end(), std::make_pair(curve.attack, curve.scale)) == keys.end())
                keys.emplace_back(curve.attack, curve.scale);
        for (const auto& [attack, scale] : keys) {
            std::vector<report::ChartSeries> series;
            std::string meaning;
            for (const auto& curve : results.attacks)
                if (curve.attack == attack && curve.scale == scale) {
                    series.push_back(line(curve.classifier, curve.radii, curve.accuracy));
                    meaning = radiusMeaning(curve.norm);
                }
            addChart("attack-" + fileSafe(attack) + (scale < 0 ? "" : "-" + scaleName(scale)) + ".svg",
                     chartSvg(series,
                              "Accuracy under " + attack +
                                  (scale < 0 ? std::string() : " (" + scaleName(scale) + " scale alone)"),
                              meaning, "accuracy"));
        }
    }
    if (!results.perturbations.empty()) {
        body << "<h2>Accuracy under perturbations</h2><p class='note'>The same perturbed test images (the "
                "same "
                "draws) for every classifier; 95% Wilson intervals over the images (bands: half their width "
                "on each side).</p>";
        for (auto perturbation : allPerturbations()) {
            std::vector<report::ChartSeries> series;
            for (const auto& curve : results.perturbations)
                if (curve.perturbation == perturbation)
                    series.push_back(line(curve.classifier, curve.strengths, curve.accuracy));
            if (series.empty()) continue;
            addChart(std::string("robustness-") + perturbationName(perturbation) + ".svg",
                     chartSvg(series, std::string("Accuracy under ") + perturbationName(perturbation),
                              strengthMeaning(perturbation), "accuracy"));
        }
    }

    // The summary other reports read.
    json summary = {{"classifiers", results.classifiers()}};
    json attackJson = json::array(), minimalJson = json::array(), comparisonJson = json::array();
    for (const auto& curve : results.attacks)
        attackJson.push_back({{"classifier", curve.classifier},
                              {"attack", curve.attack},
                              {"norm", curve.norm == AttackNorm::LInf ? "linf" : "l2"},
                              {"scale", curve.scale},
                              {"radii", curve.radii},
                              {"accuracy", intervalsJson(curve.accuracy)},
                              {"target_reached", intervalsJson(curve.targetReached)},
                              {"images", curve.images}});
    json perturbationJson = json::array();
    for (const auto& curve : results.perturbations)
        perturbationJson.push_back({{"classifier", curve.classifier},
                                    {"perturbation", perturbationName(curve.perturbation)},
                                    {"strengths", curve.strengths},
                                    {"accuracy", intervalsJson(curve.accuracy)},
                                    {"images", curve.images}});
    summary["perturbations"] = perturbationJson;
    for (const auto& m : results.minimal)
        minimalJson.push_back({{"classifier", m.classifier},
                               {"scale", m.scale},
                               {"median", intervalsJson({m.median}).at(0)},
                               {"max_radius", m.maxRadius},
                               {"grid", m.grid},
                               {"fooled", intervalsJson(m.fooled)},
                               {"images", m.radii.size()}});
    for (const auto& c : comparisons)
        comparisonJson.push_back(
            {{"measure", c.measure},
             {"first", c.first},
             {"second", c.second},
             {"difference", {c.difference.estimate, c.difference.low, c.difference.high}},
             {"significant", c.significant},
             {"sentence", c.sentence}});
    summary["attacks"] = attackJson;
    summary["minimal"] = minimalJson;
    summary["comparisons"] = comparisonJson;
    if (!comparisons.empty()) summary["verdict"] = comparisonVerdict(comparisons);
    runtime::writeFileAtomically((dir / "robustness.json").string(), summary.dump(2) + "\n");

    std::ostringstream html;
    html << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>NetSight robustness</title>"
            "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccd;padding:2px 8px;"
            "text-align:right}th{background:#eef}.note{color:#555;font-size:.9em}</style></head><body>"
            "<h1>Robustness bench</h1>"
         << body.str()
         << "<p class='note'>Data behind this page: *.csv and robustness.json in this folder. Made by "
            "NetSight.</p></body></html>\n";
    const std::string report = (dir / "report.html").string();
    runtime::writeFileAtomically(report, html.str());
    return report;
}

RobustnessSummary readRobustnessSummary(const std::string& directory) {
    const std::string path = (fs::path(directory) / "robustness.json").string();
    RobustnessSummary summary;
    try {
        const auto document = json::parse(report::readFileBytes(path));
        for (const auto& item : document.at("perturbations")) {
            PerturbationCurve curve;
            curve.classifier = item.at("classifier").get<std::string>();
            const auto perturbation = perturbationNamed(item.at("perturbation").get<std::string>());
            if (!perturbation) continue;  // one a later version added
            curve.perturbation = *perturbation;
            curve.strengths = item.at("strengths").get<std::vector<double>>();
            curve.accuracy = intervalsFrom(item.at("accuracy"));
            curve.images = item.at("images").get<std::size_t>();
            summary.results.perturbations.push_back(std::move(curve));
        }
        for (const auto& item : document.at("attacks")) {
            AttackCurve curve;
            curve.classifier = item.at("classifier").get<std::string>();
            curve.attack = item.at("attack").get<std::string>();
            curve.norm = item.at("norm").get<std::string>() == "linf" ? AttackNorm::LInf : AttackNorm::L2;
            curve.scale = item.at("scale").get<int>();
            curve.radii = item.at("radii").get<std::vector<double>>();
            curve.accuracy = intervalsFrom(item.at("accuracy"));
            curve.targetReached = intervalsFrom(item.at("target_reached"));
            curve.images = item.at("images").get<std::size_t>();
            summary.results.attacks.push_back(std::move(curve));
        }
        for (const auto& item : document.at("minimal")) {
            MinimalPerturbations minimal;
            minimal.classifier = item.at("classifier").get<std::string>();
            minimal.scale = item.at("scale").get<int>();
            minimal.median = intervalsFrom(json::array({item.at("median")})).front();
            minimal.maxRadius = item.at("max_radius").get<double>();
            minimal.grid = item.at("grid").get<std::vector<double>>();
            minimal.fooled = intervalsFrom(item.at("fooled"));
            summary.results.minimal.push_back(std::move(minimal));
        }
        summary.verdict = document.value("verdict", std::string());
    } catch (const json::exception& error) {
        throw std::runtime_error(path + ": not a robustness summary NetSight can read (" + error.what() +
                                 "); run the robustness bench again to rewrite it");
    }
    const std::string examples = (fs::path(directory) / "examples.png").string();
    if (fs::exists(examples)) summary.examplesPng = examples;
    return summary;
}

}  // namespace netsight::robustness