// Parsing and describing objective terms: the plain-text form the CLI and the UI share.
#include <sstream>
#include <stdexcept>

#include "netsight/viz/Visualize.h"

namespace netsight::viz {
namespace {

const char* kForms =
    "use class:K, classprob:K, channel:LAYER:C, neuron:LAYER:C[:X,Y] or layer:LAYER, optionally followed by "
    "*WEIGHT";

int toInt(const std::string& text, const std::string& whole, const char* what) {
    try {
        std::size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument("objective '" + whole + "': " + what + " '" + text +
                                "' is not a whole number; " + kForms);
}

}  // namespace

ObjectiveTerm parseObjective(const std::string& whole) {
    std::string text = whole;
    ObjectiveTerm term;
    if (const auto star = text.rfind('*'); star != std::string::npos) {
        try {
            term.weight = std::stod(text.substr(star + 1));
        } catch (const std::exception&) {
            throw std::invalid_argument("objective '" + whole + "': the weight after '*' is not a number");
        }
        text = text.substr(0, star);
    }
    std::vector<std::string> parts;
    std::stringstream stream(text);
    for (std::string part; std::getline(stream, part, ':');)
        parts.push_back(part);
    if (parts.empty()) throw std::invalid_argument("objective is empty; " + std::string(kForms));
    const std::string& kind = parts[0];
    if (kind == "class" && parts.size() == 2) {
        term.kind = ObjectiveKind::ClassLogit;
        term.channel = toInt(parts[1], whole, "the class");
    } else if (kind == "classprob" && parts.size() == 2) {
        term.kind = ObjectiveKind::ClassLogProbability;
        term.channel = toInt(parts[1], whole, "the class");
    } else if (kind == "channel" && parts.size() == 3) {
        term.kind = ObjectiveKind::ChannelMean;
        term.layer = parts[1];
        term.channel = toInt(parts[2], whole, "the channel");
    } else if (kind == "neuron" && (parts.size() == 3 || parts.size() == 4)) {
        term.kind = ObjectiveKind::Neuron;
        term.layer = parts[1];
        term.channel = toInt(parts[2], whole, "the channel");
        if (parts.size() == 4) {
            const auto comma = parts[3].find(',');
            if (comma == std::string::npos)
                throw std::invalid_argument("objective '" + whole + "': the position must be X,Y");
            term.x = toInt(parts[3].substr(0, comma), whole, "x");
            term.y = toInt(parts[3].substr(comma + 1), whole, "y");
        }
    } else if (kind == "layer" && parts.size() == 2) {
        term.kind = ObjectiveKind::Layer;
        term.layer = parts[1];
    } else {
        throw std::invalid_argument("objective '" + whole + "' is not understood; " + std::string(kForms));
    }
    if (term.channel < 0) throw std::invalid_argument("objective '" + whole + "': indices start at 0");
    return term;
}

std::string describe(const ObjectiveTerm& term) {
    std::ostringstream text;
    switch (term.kind) {
        case ObjectiveKind::ClassLogit:
            text << "class:" << term.channel;
            break;
        case ObjectiveKind::ClassLogProbability:
            text << "classprob:" << term.channel;
            break;
        case ObjectiveKind::ChannelMean:
            text << "channel:" << term.layer << ":" << term.channel;
            break;
        case ObjectiveKind::Neuron:
            text << "neuron:" << term.layer << ":" << term.channel;
            if (term.x >= 0) text << ":" << term.x << "," << term.y;
            break;
        case ObjectiveKind::Layer:
            text << "layer:" << term.layer;
            break;
    }
    if (term.weight != 1.0) text << "*" << term.weight;
    return text.str();
}

}  // namespace netsight::viz
