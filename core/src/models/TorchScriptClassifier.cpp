#include "models/TorchScriptClassifier.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/version.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "netsight/runtime/AtomicFile.h"

namespace netsight::models {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

struct TorchScriptClassifier::Tapped {
    std::unique_ptr<torch::jit::GraphFunction> function;
    std::vector<std::string> names;  // the tap after the logits, in output order
};

namespace {

// The module path of a value reached from the graph's self through prim::GetAttr, if it is one.
std::optional<std::string> modulePath(Value* value, Value* self) {
    if (value == self) return std::string();
    Node* node = value->node();
    if (node->kind() != c10::prim::GetAttr) return std::nullopt;
    auto parent = modulePath(node->input(0), self);
    if (!parent) return std::nullopt;
    const std::string name = node->s(c10::attr::name);
    return parent->empty() ? name : *parent + "." + name;
}

bool isPrefixOfAny(const std::string& path, const std::set<std::string>& wanted) {
    if (path.empty()) return true;  // the model's own helper methods (scripted torchvision: _forward_impl)
    for (const auto& name : wanted)
        if (name.size() > path.size() && name.compare(0, path.size(), path) == 0 && name[path.size()] == '.')
            return true;
    return false;
}

// The tensor that stands for a module output: the tensor itself or a tuple's first tensor.
torch::Tensor firstTensor(const c10::IValue& value) {
    if (value.isTensor()) return value.toTensor();
    if (value.isTuple())
        for (const auto& element : value.toTupleRef().elements())
            if (element.isTensor()) return element.toTensor();
    if (value.isList())
        for (const auto& element : value.toListRef())
            if (element.isTensor()) return element.toTensor();
    if (value.isGenericDict())
        for (const auto& entry : value.toGenericDict())
            if (entry.value().isTensor()) return entry.value().toTensor();
    return {};
}

std::string describeLoadError(const std::string& path, const std::string& what) {
    if (what.find("maximum supported version") != std::string::npos ||
        what.find("kMaxSupportedFileFormatVersion") != std::string::npos ||
        what.find("version_ <=") != std::string::npos) {
        return path + " was saved by a newer PyTorch than the LibTorch " + TORCH_VERSION +
               " NetSight runs on, which cannot read it: export it again with PyTorch " + TORCH_VERSION +
               " (tools/export_torchvision.py uses Debian's python3-torch) or build NetSight against a newer "
               "LibTorch. Details: " +
               what.substr(0, 300);
    }
    return path + ": not a NetSight model or TorchScript archive (" + what.substr(0, 300) + ")";
}

}  // namespace

TorchScriptClassifier::TorchScriptClassifier(ClassifierMeta meta, torch::jit::Module module)
    : Classifier(std::move(meta)), module_(std::move(module)) {}

TorchScriptClassifier::~TorchScriptClassifier() = default;

torch::Tensor TorchScriptClassifier::forward(const torch::Tensor& normalized) {
    const torch::Tensor logits = firstTensor(module_.forward({normalized}));
    if (!logits.defined()) throw std::runtime_error("the TorchScript model's forward returned no tensor");
    return logits;
}

std::vector<torch::Tensor> TorchScriptClassifier::parameters() {
    std::vector<torch::Tensor> all;
    for (const auto& parameter : module_.parameters())
        all.push_back(parameter);
    return all;
}

std::vector<std::pair<std::string, torch::Tensor>> TorchScriptClassifier::namedParameters() {
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& parameter : module_.named_parameters())
        named.emplace_back(parameter.name, parameter.value);
    return named;
}

TorchScriptClassifier::Tapped& TorchScriptClassifier::tapped(const std::vector<std::string>& layers,
                                                             bool skipMissing) {
    std::string key = skipMissing ? "*" : "";
    for (const auto& name : layers)
        key += name + "\n";
    if (auto found = tappedCache_.find(key); found != tappedCache_.end()) return *found->second;

    const std::set<std::string> wanted(layers.begin(), layers.end());
    auto& forwardFunction = torch::jit::toGraphFunction(module_.get_method("forward").function());
    std::shared_ptr<Graph> graph = forwardFunction.graph()->copy();
    Value* self = graph->inputs()[0];
    const std::size_t originalOutputs = graph->outputs().size();
    std::vector<std::string> tapNames;  // one per extra graph output
    auto addTap = [&](const std::string& name, Value* value) {
        // Registering the value as a graph output right away keeps it valid through later inlining,
        // which rewrites all uses. A module called twice keeps its last call.
        for (std::size_t i = 0; i < tapNames.size(); ++i)
            if (tapNames[i] == name) {
                graph->return_node()->replaceInput(originalOutputs + i, value);
                return;
            }
        graph->registerOutput(value);
        tapNames.push_back(name);
    };

    // Inline the calls that lead to a wanted module, until every wanted module is called directly
    // from the top-level graph; record the calls of wanted modules.
    for (bool changed = true; changed;) {
        changed = false;
        for (Node* node : graph->nodes()) {
            if (node->kind() != c10::prim::CallMethod) continue;
            const auto path = modulePath(node->input(0), self);
            if (!path || !isPrefixOfAny(*path, wanted)) continue;
            const std::string method = node->s(c10::attr::name);
            auto type = node->input(0)->type()->expect<c10::ClassType>();
            auto& callee = torch::jit::toGraphFunction(type->getMethod(method));
            // The callee's own graph, not its optimized one: that is already inlined, which would
            // hide the calls of the submodules we are looking for.
            const auto outputs = torch::jit::inlineCallTo(node, &callee, callee.graph().get());
            if (method == "forward" && wanted.count(*path) && outputs.size() == 1) addTap(*path, outputs[0]);
            changed = true;
            break;  // the node list changed: scan again
        }
    }
    for (Node* node : graph->nodes()) {
        if (node->kind() != c10::prim::CallMethod || node->s(c10::attr::name) != "forward") continue;
        const auto path = modulePath(node->input(0), self);
        if (path && wanted.count(*path) && node->outputs().size() == 1) addTap(*path, node->output());
    }
    if (!skipMissing)
        for (const auto& name : layers)
            if (std::find(tapNames.begin(), tapNames.end(), name) == tapNames.end())
                throw std::invalid_argument(
                    "layer '" + name +
                    "' is a module of the model but its output cannot be tapped (it is called "
                    "inside control flow or returns no single value)");

    // Return everything as one tuple: (forward's outputs..., taps...).
    std::vector<Value*> outputs(graph->outputs().begin(), graph->outputs().end());
    Node* tuple = graph->insertNode(graph->createTuple(outputs));
    while (!graph->outputs().empty())
        graph->eraseOutput(0);
    graph->registerOutput(tuple->output());

    auto entry = std::make_unique<Tapped>();
    entry->function = std::make_unique<torch::jit::GraphFunction>(
        c10::QualifiedName("netsight.tapped_forward"), graph, nullptr);
    entry->names = std::move(tapNames);
    // Outputs beyond the original ones are the taps; remember how many originals to skip.
    entry->names.insert(entry->names.begin(), originalOutputs, std::string());
    return *tappedCache_.emplace(key, std::move(entry)).first->second;
}

std::vector<torch::Tensor> TorchScriptClassifier::runTapped(Tapped& function,
                                                            const torch::Tensor& normalized) {
    torch::jit::Stack stack{module_._ivalue(), normalized};
    function.function->run(stack);
    const auto elements = stack.back().toTupleRef().elements();
    std::vector<torch::Tensor> tensors;
    for (const auto& element : elements)
        tensors.push_back(firstTensor(element));
    return tensors;
}

TapOutput TorchScriptClassifier::forwardWithTaps(const torch::Tensor& normalized,
                                                 const std::vector<std::string>& layers) {
    checkLayers(layers);
    Tapped& function = tapped(layers, false);
    const auto tensors = runTapped(function, normalized);
    TapOutput output;
    output.logits = tensors.front();
    for (std::size_t i = 0; i < function.names.size(); ++i)
        if (!function.names[i].empty()) output.layers[function.names[i]] = tensors[i];
    return output;
}

std::vector<std::pair<std::string, torch::Tensor>> TorchScriptClassifier::forwardAllLayers(
    const torch::Tensor& normalized) {
    std::vector<std::string> names;
    for (const auto& child : module_.named_modules())
        if (!child.name.empty()) names.push_back(child.name);
    Tapped& function = tapped(names, true);
    const auto tensors = runTapped(function, normalized);
    std::map<std::string, torch::Tensor> byName;
    for (std::size_t i = 0; i < function.names.size(); ++i)
        if (!function.names[i].empty() && tensors[i].defined()) byName[function.names[i]] = tensors[i];
    std::vector<std::pair<std::string, torch::Tensor>> ordered;  // module definition order
    for (const auto& name : names)
        if (auto found = byName.find(name); found != byName.end()) ordered.push_back(*found);
    return ordered;
}

void TorchScriptClassifier::save(const std::string& path) {
    torch::jit::ExtraFilesMap extra{{kTorchScriptMetaFile, toJson(meta())}};
    std::ostringstream bytes;
    module_.save(bytes, extra);
    runtime::writeFileAtomically(path, bytes.str());
}

std::unique_ptr<TorchScriptClassifier> TorchScriptClassifier::load(const std::string& path,
                                                                   const ClassifierMeta* fallback) {
    torch::jit::ExtraFilesMap extra{{kTorchScriptMetaFile, ""}};
    torch::jit::Module module;
    try {
        module = torch::jit::load(path, torch::kCPU, extra);
    } catch (const c10::Error& error) {
        throw std::runtime_error(describeLoadError(path, error.what_without_backtrace()));
    } catch (const std::exception& error) {
        throw std::runtime_error(describeLoadError(path, error.what()));
    }
    ClassifierMeta meta;
    const std::string sidecar = std::filesystem::path(path).replace_extension(".json").string();
    if (!extra[kTorchScriptMetaFile].empty()) {
        meta = metaFromJson(extra[kTorchScriptMetaFile], path + " (netsight.json inside)");
    } else if (std::filesystem::exists(sidecar)) {
        std::ifstream stream(sidecar);
        std::stringstream text;
        text << stream.rdbuf();
        meta = metaFromJson(text.str(), sidecar);
    } else if (fallback) {
        meta = *fallback;
    } else {
        throw std::runtime_error(
            path + ": a TorchScript model without metadata: no netsight.json inside and no " + sidecar +
            " beside it; export it with tools/export_torchvision.py, write that JSON "
            "file, or give --input-shape, --mean, --std and --classes");
    }
    if (meta.architecture.empty()) meta.architecture = "torchscript";
    module.eval();
    return std::make_unique<TorchScriptClassifier>(std::move(meta), std::move(module));
}

}  // namespace netsight::models
