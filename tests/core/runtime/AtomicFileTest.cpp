#include "netsight/runtime/AtomicFile.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "TempDir.h"

namespace {

using netsight::test::readAll;

TEST(AtomicFile, WritesAndReplaces) {
    netsight::test::TempDir dir;
    const auto file = (dir / "out.txt").string();
    netsight::runtime::writeFileAtomically(file, "first");
    EXPECT_EQ(readAll(file), "first");
    netsight::runtime::writeFileAtomically(file, "second version");
    EXPECT_EQ(readAll(file), "second version");
    // No temporary files are left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, FailureNamesThePathAndKeepsNothingHalfWritten) {
    netsight::test::TempDir dir;
    const auto file = (dir / "missing-folder" / "out.txt").string();
    try {
        netsight::runtime::writeFileAtomically(file, "data");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing-folder"), std::string::npos) << error.what();
    }
}

TEST(AtomicFile, FullDiskKeepsTheOldFile) {
    // A file-size limit makes write() fail with EFBIG part-way, as a full disk fails with ENOSPC.
    netsight::test::TempDir dir;
    const auto file = dir / "model.bin";
    netsight::runtime::writeFileAtomically(file.string(), "good old content");
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit{4096, 4096};
        setrlimit(RLIMIT_FSIZE, &limit);
        try {
            netsight::runtime::writeFileAtomically(file.string(), std::string(100000, 'x'));
        } catch (const std::runtime_error& error) {
            _exit(std::string(error.what()).find("model.bin") != std::string::npos ? 0 : 3);
        }
        _exit(2);  // no error: the test fails
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: no error raised, 3: the error does not name the file";
    EXPECT_EQ(readAll(file), "good old content");
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1) << "the temporary file was left behind";
}

}  // namespace
