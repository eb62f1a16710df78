#include "train/Checkpoint.h"

#include <filesystem>
#include <sstream>

#include "netsight/runtime/AtomicFile.h"

namespace netsight::train {
namespace {

constexpr const char* kStateKey = "state";

// Autoencoder checkpoints from before the one format kept "epoch" and "recipe" as values of their own.
nlohmann::json legacyState(torch::serialize::InputArchive& archive) {
    c10::IValue epoch, recipe;
    if (!archive.try_read("epoch", epoch) || !epoch.isInt()) return nullptr;
    nlohmann::json state = {{"epoch", epoch.toInt()}};
    if (archive.try_read("recipe", recipe) && recipe.isString())
        state["recipe"] = nlohmann::json::parse(recipe.toStringRef());
    return state;
}

nlohmann::json readState(torch::serialize::InputArchive& archive) {
    c10::IValue value;
    if (archive.try_read(kStateKey, value) && value.isString())
        return nlohmann::json::parse(value.toStringRef());
    return legacyState(archive);
}

}  // namespace

void writeCheckpoint(const std::string& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const nlohmann::json& state,
                     const torch::nn::Module* best) {
    torch::serialize::OutputArchive archive, modelArchive, optimizerArchive, bestArchive;
    model.save(modelArchive);
    optimizer.save(optimizerArchive);
    archive.write("model", modelArchive);
    archive.write("optimizer", optimizerArchive);
    if (best) {
        best->save(bestArchive);
        archive.write("best", bestArchive);
    }
    archive.write(kStateKey, c10::IValue(state.dump()));
    std::ostringstream bytes;
    archive.save_to(bytes);
    runtime::writeFileAtomically(path, bytes.str());
}

std::optional<Checkpoint> readCheckpoint(const std::string& path, const std::string& whatToDo) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    Checkpoint checkpoint;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        checkpoint.state = readState(archive);
        if (!checkpoint.state.is_object() || !checkpoint.state.contains("epoch"))
            throw std::runtime_error("no training state in it");
        archive.read("model", checkpoint.model);
        archive.read("optimizer", checkpoint.optimizer);
        torch::serialize::InputArchive best;
        if (archive.try_read("best", best)) checkpoint.best = std::move(best);
    } catch (const c10::Error& error) {
        throw std::runtime_error(path + ": the checkpoint is damaged (" +
                                 std::string(error.what_without_backtrace()).substr(0, 200) + "); " +
                                 whatToDo);
    } catch (const std::exception& error) {
        throw std::runtime_error(path + ": the checkpoint is damaged (" +
                                 std::string(error.what()).substr(0, 200) + "); " + whatToDo);
    }
    return checkpoint;
}

nlohmann::json checkpointState(const std::string& path) {
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        return readState(archive);
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace netsight::train
