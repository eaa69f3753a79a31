// The canonical JSONL dataset and the train/test splits.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "routeiq/ml/dataset.hpp"

namespace routeiq::ml {
namespace {

std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "routeiq-dataset-test";
  std::filesystem::create_directories(dir);
  return dir / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
                name);
}

std::string write_text(const std::string& name, const std::string& text) {
  auto path = temp_file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

RoutingDataset small_dataset() {
  RoutingDataset data;
  data.models = {"weak", "strong"};
  data.examples = {
      {"a", "line one\nline \"two\"\t\\ é", "math", {0.25, 1.0}},
      {"b", "second", "code", {NAN, 0.0}},
      {"c", "third", "", {0.1, 0.7}},
  };
  return data;
}

TEST(DatasetJsonl, RoundTripKeepsTextScoresAndUnknowns) {
  auto path = temp_file("data.jsonl").string();
  ASSERT_TRUE(write_dataset_jsonl(small_dataset(), path));
  auto text = read_text(path);
  // Unknown scores are omitted, numbers are written in their shortest form.
  EXPECT_NE(text.find(R"({"id":"b","query":"second","task":"code","scores":{"strong":0}})"),
            std::string::npos)
      << text;
  auto back = read_dataset_jsonl(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->models, small_dataset().models);
  ASSERT_EQ(back->examples.size(), 3u);
  EXPECT_EQ(back->examples[0].query, "line one\nline \"two\"\t\\ é");
  EXPECT_EQ(back->examples[0].scores, (std::vector<double>{0.25, 1.0}));
  EXPECT_TRUE(std::isnan(back->examples[1].scores[0]));
  EXPECT_EQ(back->examples[1].scores[1], 0.0);
  EXPECT_EQ(back->examples[2].task, "");
  EXPECT_DOUBLE_EQ(back->examples[2].scores[0], 0.1);
}

TEST(DatasetJsonl, ModelsAppearingLaterGetUnknownEarlier) {
  auto path = write_text("late.jsonl",
                         "{\"id\":\"1\",\"query\":\"q\",\"scores\":{\"x\":1}}\n"
                         "{\"id\":\"2\",\"query\":\"r\",\"scores\":{\"y\":0.5,\"x\":null}}\n");
  auto data = read_dataset_jsonl(path);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->models, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(data->examples[0].scores[0], 1.0);
  EXPECT_TRUE(std::isnan(data->examples[0].scores[1]));
  EXPECT_TRUE(std::isnan(data->examples[1].scores[0]));
  EXPECT_EQ(data->examples[1].scores[1], 0.5);
  EXPECT_EQ(data->model_index("y"), 1);
  EXPECT_EQ(data->model_index("z"), -1);
}

TEST(DatasetJsonl, ErrorsNameFileLineAndField) {
  struct Case {
    std::string line;
    std::string expected;
  } cases[] = {
      {R"({"id":"1","query":"q","scores":{"m":-0.5}})",
       "line 2: scores.m: expected a number in [0,1], got -0.5"},
      {R"({"id":"1","scores":{"m":1}})", "line 2: query: missing"},
      {R"({"id":7,"query":"q","scores":{"m":1}})", "line 2: id: expected a string, got 7"},
      {R"({"id":"1","query":"q","scores":[1]})",
       "line 2: scores: expected an object of model: quality"},
      {R"({"id":"1","query":"q",)", "line 2: invalid JSON"},
      {R"({"id":"0","query":"q","scores":{"m":1}})", "line 2: id: duplicate id \"0\""},
  };
  for (const auto& c : cases) {
    auto path = write_text("bad.jsonl",
                           "{\"id\":\"0\",\"query\":\"q\",\"scores\":{\"m\":1}}\n" + c.line + "\n");
    auto data = read_dataset_jsonl(path);
    ASSERT_FALSE(data) << c.line;
    EXPECT_NE(data.error().message.find("bad.jsonl: " + c.expected), std::string::npos)
        << data.error().message;
  }
}

RoutingDataset tasks_dataset() {
  RoutingDataset data;
  data.models = {"m"};
  const char* tasks[] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 50; ++i)
    data.examples.push_back({std::to_string(i), "q" + std::to_string(i), tasks[i % 5], {0.5}});
  return data;
}

std::set<std::string> tasks_of(const RoutingDataset& data) {
  auto tasks = dataset_tasks(data);
  return {tasks.begin(), tasks.end()};
}

TEST(DatasetSplit, ByTasksKeepsTasksWhole) {
  auto split = split_by_tasks(tasks_dataset(), {"b", "e"});
  EXPECT_EQ(tasks_of(split.test), (std::set<std::string>{"b", "e"}));
  EXPECT_EQ(tasks_of(split.train), (std::set<std::string>{"a", "c", "d"}));
  EXPECT_EQ(split.test.examples.size(), 20u);
  EXPECT_EQ(split.train.examples.size(), 30u);
  EXPECT_EQ(split.train.models, split.test.models);
}

TEST(DatasetSplit, TaskFoldsPartitionTheTasks) {
  auto data = tasks_dataset();
  std::multiset<std::string> held_out;
  for (int fold = 0; fold < 3; ++fold) {
    auto split = split_task_fold(data, 3, fold, 7);
    EXPECT_FALSE(split.test.examples.empty());
    for (const auto& task : tasks_of(split.test)) {
      held_out.insert(task);
      EXPECT_EQ(tasks_of(split.train).count(task), 0u);
    }
    EXPECT_EQ(split.test.examples.size() + split.train.examples.size(), 50u);
  }
  EXPECT_EQ(held_out, (std::multiset<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(DatasetSplit, RandomSplitIsExactAndSeeded) {
  auto data = tasks_dataset();
  auto first = split_random(data, 0.2, 42);
  auto again = split_random(data, 0.2, 42);
  auto other = split_random(data, 0.2, 43);
  ASSERT_EQ(first.test.examples.size(), 10u);
  EXPECT_EQ(first.train.examples.size(), 40u);
  auto ids = [](const RoutingDataset& d) {
    std::vector<std::string> out;
    for (const auto& e : d.examples) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(first.test), ids(again.test));
  EXPECT_NE(ids(first.test), ids(other.test));
  std::set<std::string> all;
  for (const auto& id : ids(first.test)) all.insert(id);
  for (const auto& id : ids(first.train)) all.insert(id);
  EXPECT_EQ(all.size(), 50u);
}

}  // namespace
}  // namespace routeiq::ml
