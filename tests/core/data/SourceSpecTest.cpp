#include "netsight/data/SourceSpec.h"

#include <gtest/gtest.h>

#include "ErrorOf.h"
#include "netsight/data/DataError.h"
#include "netsight/data/Dataset.h"

using namespace netsight::data;

namespace {

template <typename Action>
std::string errorOf(Action action) {
    return netsight::test::errorOf<DataError>(action);
}

TEST(SourceSpec, ParsesKindsPathsAndOptions) {
    const SourceSpec plain = parseSource("fashion-mnist");
    EXPECT_EQ(plain.kind, "fashion-mnist");
    EXPECT_TRUE(plain.options.empty());

    const SourceSpec generated = parseSource("factorworld:classes=5,size=96");
    EXPECT_EQ(generated.kind, "factorworld");
    EXPECT_EQ(generated.options.at("classes"), "5");
    EXPECT_EQ(generated.options.at("size"), "96");

    const SourceSpec folder = parseSource("folder:/data/my,pets,size=64,val=0.2");
    EXPECT_EQ(folder.path, "/data/my,pets");
    EXPECT_EQ(folder.options.at("size"), "64");
    EXPECT_EQ(folder.options.at("val"), "0.2");
}

TEST(SourceSpec, UnknownKindListsTheKnownOnes) {
    const std::string message = errorOf([] { parseSource("imagenet:/data"); });
    EXPECT_NE(message.find("imagenet"), std::string::npos) << message;
    EXPECT_NE(message.find("factorworld"), std::string::npos) << message;
    EXPECT_NE(message.find("cifar10"), std::string::npos) << message;
}

TEST(SourceSpec, FileSourceWithoutDirectoryIsAnError) {
    const std::string message = errorOf([] { parseSource("folder"); });
    EXPECT_NE(message.find("needs a directory"), std::string::npos) << message;
}

TEST(SourceSpec, MisspeltOptionIsRejectedWithTheKnownOnes) {
    const std::string message = errorOf([] { openDataset("factorworld:clases=4"); });
    EXPECT_NE(message.find("unknown option 'clases'"), std::string::npos) << message;
    EXPECT_NE(message.find("classes"), std::string::npos) << message;
}

TEST(SourceSpec, OutOfRangeAndNonNumericValuesNameTheOption) {
    EXPECT_NE(errorOf([] { openDataset("factorworld:classes=1"); }).find("classes=1 is out of range"),
              std::string::npos);
    EXPECT_NE(errorOf([] { openDataset("factorworld:size=big"); }).find("size='big' is not a whole number"),
              std::string::npos);
    EXPECT_NE(errorOf([] { openDataset("factorworld:scale_min=2,scale_max=1"); }).find("scale_min"),
              std::string::npos);
}

TEST(SourceSpec, MissingDirectoryIsNamed) {
    for (const char* source : {"idx:/nonexistent/netsight", "cifar10:/nonexistent/netsight",
                               "folder:/nonexistent/netsight", "mnist:/nonexistent/netsight"}) {
        const std::string message = errorOf([&] { openDataset(source); });
        EXPECT_NE(message.find("/nonexistent/netsight"), std::string::npos) << message;
        EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
    }
}

TEST(Split, ParsesAndPrints) {
    EXPECT_EQ(parseSplit("train"), Split::Train);
    EXPECT_EQ(parseSplit("validation"), Split::Validation);
    EXPECT_EQ(parseSplit("val"), Split::Validation);
    EXPECT_EQ(toString(Split::Test), "test");
    EXPECT_THROW(parseSplit("dev"), DataError);
}

}  // namespace
