// netsight-cli: the headless face of NetSight. Everything the GUI runs, this runs too.
#include <exception>
#include <iostream>

#include "Commands.h"
#include "netsight/data/DataError.h"

int main(int argc, char** argv) {
    CLI::App app{"NetSight: what image classifiers use of their input (headless)", "netsight-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "netsight-cli 0.1.0");
    netsight::cli::addDataCommands(app);
    netsight::cli::addModelCommands(app);
    netsight::cli::addProbeCommands(app);
    netsight::cli::addVizCommands(app);
    netsight::cli::addRobustnessCommands(app);
    netsight::cli::addAttributionCommands(app);
    netsight::cli::addFactorCommands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForVersion& version) {
        return app.exit(version);
    } catch (const CLI::RuntimeError& error) {
        return error.get_exit_code();  // the command has reported what went wrong
    } catch (const CLI::ParseError& error) {
        app.exit(error);
        return netsight::cli::kExitUsage;
    } catch (const std::exception& error) {
        std::cerr << "netsight-cli: error: " << error.what() << "\n";
        return netsight::cli::kExitFailure;
    }
    return netsight::cli::kExitOk;
}
