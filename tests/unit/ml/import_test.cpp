// Importers on real rows copied from the shared routing data (tests/data/ml),
// and on broken variants of them whose errors must name file, line and field.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "routeiq/ml/csv.hpp"
#include "routeiq/ml/dataset.hpp"

namespace routeiq::ml {
namespace {

const std::string kData = std::string(ROUTEIQ_TEST_DATA) + "/ml";

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("routeiq-import-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& content) const {
    std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  std::filesystem::path path_;
};

double score(const RoutingDataset& data, size_t example, std::string_view model) {
  int index = data.model_index(model);
  EXPECT_GE(index, 0) << model;
  return index < 0 ? NAN : data.examples[example].scores[index];
}

// --- CSV ---------------------------------------------------------------------

TEST(Csv, QuotedFieldsKeepNewlinesCommasAndDoubledQuotes) {
  auto rows = parse_csv("a,b\n\"x, \"\"y\"\"\nz\",2\r\nplain,\"\"\n", "t.csv");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(rows.value()[1].fields[0], "x, \"y\"\nz");
  EXPECT_EQ(rows.value()[1].fields[1], "2");
  EXPECT_EQ(rows.value()[1].line, 2u);
  EXPECT_EQ(rows.value()[2].line, 4u);  // the quoted newline moved it down one line
  EXPECT_EQ(rows.value()[2].fields[1], "");
}

TEST(Csv, LastRecordWithoutNewlineAndEmptyFields) {
  auto rows = parse_csv("\xEF\xBB\xBFh1,h2,h3\n,,\nx,y,", "t.csv");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(rows.value()[0].fields[0], "h1");  // BOM dropped
  EXPECT_EQ(rows.value()[1].fields, (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(rows.value()[2].fields, (std::vector<std::string>{"x", "y", ""}));
}

TEST(Csv, UnterminatedQuoteNamesTheLineItOpenedOn) {
  auto rows = parse_csv("prompt,a\n\"ok\",1\nx,\"never\nclosed\n", "bad.csv");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().message, "bad.csv: line 3: field 2: unterminated quoted field");
}

TEST(Csv, GarbageAfterClosingQuoteIsRejected) {
  auto rows = parse_csv("a,b\n\"x\"y,1\n", "bad.csv");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().message,
            "bad.csv: line 2: field 1: unexpected character after closing quote");
}

TEST(Csv, QuoteInsideUnquotedFieldIsRejected) {
  auto rows = parse_csv("a,b\n1,x\"y\n", "bad.csv");
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().message, "bad.csv: line 2: field 2: quote inside an unquoted field");
}

// --- RouteLLM ------------------------------------------------------------------

TEST(ImportRouteLLM, RealRowsWithNewlinesAndQuotes) {
  auto data = import_routellm_csv({kData + "/routellm"});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->models, (std::vector<std::string>{"mistralai/Mixtral-8x7B-Instruct-v0.1",
                                                    "gpt-4-1106-preview"}));
  ASSERT_EQ(data->examples.size(), 6u);
  // Files come in name order: abstract_algebra first.
  const auto& group = data->examples[0];
  EXPECT_EQ(group.task, "abstract_algebra");
  EXPECT_EQ(group.id, "mmlu_abstract_algebra-0");
  EXPECT_EQ(group.query.substr(0, 52), "The set of integers Z with the binary operation \"*\" ");
  EXPECT_NE(group.query.find("\nA. 0\nB. 1\nC. -1\nD. 12\nAnswer:"), std::string::npos);
  const auto& kohlberg = data->examples[3];
  EXPECT_EQ(kohlberg.task, "professional_psychology");
  EXPECT_NE(kohlberg.query.find("B. \"\"\"everyone else is doing it.\"\"\"\nC."),
            std::string::npos);
  EXPECT_EQ(kohlberg.scores, (std::vector<double>{0.0, 1.0}));  // False,True
  EXPECT_EQ(data->examples[5].scores, (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(data->examples[2].scores, (std::vector<double>{0.0, 0.0}));
}

TEST(ImportRouteLLM, ModelColumnsComeFromTheHeader) {
  TempDir dir;
  auto file =
      dir.write("mmlu_virology.csv", "prompt,weak-x,mid-y,strong-z\n\"q1\",True,0.5,False\n");
  auto data = import_routellm_csv({file});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->models, (std::vector<std::string>{"weak-x", "mid-y", "strong-z"}));
  EXPECT_EQ(data->examples[0].scores, (std::vector<double>{1.0, 0.5, 0.0}));
  EXPECT_EQ(data->examples[0].task, "virology");
}

TEST(ImportRouteLLM, BadCellNamesFileLineAndField) {
  TempDir dir;
  auto file = dir.write("mmlu_anatomy.csv",
                        "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"
                        "\"Which bone\nA. x\nAnswer:\",True,True\n"
                        "\"Which muscle\nA. y\nAnswer:\",True,Maybe\n");
  auto data = import_routellm_csv({file});
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message,
            "mmlu_anatomy.csv: line 5: field 3: gpt-4-1106-preview: expected True, False or a "
            "number in [0,1], got \"Maybe\"");
}

TEST(ImportRouteLLM, WrongFieldCountNamesTheLine) {
  TempDir dir;
  auto file = dir.write("mmlu_anatomy.csv", "prompt,a,b\n\"q\",True\n");
  auto data = import_routellm_csv({file});
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message, "mmlu_anatomy.csv: line 2: expected 3 fields, got 2");
}

// The in-memory entry point appends to a dataset and names the file like the file reader.
TEST(ImportRouteLLM, TextInMemoryAppendsAndNamesTheFile) {
  RoutingDataset data;
  ASSERT_TRUE(import_routellm_csv_text("prompt,a\nq1,True\n", "/x/mmlu_anatomy.csv", data));
  ASSERT_TRUE(import_routellm_csv_text("prompt,b\nq2,0.5\n", "gsm8k.csv", data));
  EXPECT_EQ(data.models, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[0].task, "anatomy");
  EXPECT_EQ(data.examples[1].task, "gsm8k");
  EXPECT_EQ(data.examples[0].scores.size(), 2u);  // the later model's column is unknown: NaN
  EXPECT_TRUE(std::isnan(data.examples[0].scores[1]));
  auto bad = import_routellm_csv_text("prompt,a\nq,yes\n", "/x/mmlu_anatomy.csv", data);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "mmlu_anatomy.csv: line 2: field 2: a: expected True, False or a number in [0,1], got "
            "\"yes\"");
}

// RouteLLM's GSM8K files carry each model's answer next to its correctness.
TEST(ImportRouteLLM, ResponseTextColumnsAreSkipped) {
  RoutingDataset data;
  ASSERT_TRUE(import_routellm_csv_text(
      "prompt,weak,weak_response,strong,strong_response\n"
      "\"Tom has 3 apples\",False,\"He has 4, so\n#### 4\",True,\"#### 3\"\n",
      "gsm8k.csv", data));
  EXPECT_EQ(data.models, (std::vector<std::string>{"weak", "strong"}));
  ASSERT_EQ(data.examples.size(), 1u);
  EXPECT_EQ(data.examples[0].scores, (std::vector<double>{0.0, 1.0}));
  // A column that is not a response still has to parse.
  RoutingDataset other;
  EXPECT_FALSE(import_routellm_csv_text("prompt,weak,notes\nq,True,free text\n", "g.csv", other));
  EXPECT_FALSE(import_routellm_csv_text("prompt,a_response\nq,text\n", "g.csv", other));
}

TEST(ImportRouteLLM, MissingFileIsAnError) {
  auto data = import_routellm_csv({kData + "/routellm/mmlu_nope.csv"});
  ASSERT_FALSE(data);
  EXPECT_NE(data.error().message.find("mmlu_nope.csv: cannot open file"), std::string::npos);
}

// --- LLMRouter -------------------------------------------------------------------

TEST(ImportLLMRouter, JoinsTasksAndIndexesScoresByName) {
  ImportReport report;
  auto data = import_llmrouter(kData + "/llmrouter/train.json",
                               kData + "/llmrouter/query_train.jsonl", &report);
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->models.size(), 9u);
  ASSERT_EQ(data->examples.size(), 5u);
  EXPECT_EQ(data->examples[0].task, "agentverse-logicgrid");
  EXPECT_EQ(data->examples[2].task, "commongen");
  EXPECT_EQ(data->examples[4].task, "gsm8k");
  // Record 1 lists nemotron-51b before chatqa-70b, unlike record 0: only gemma scored 1.
  EXPECT_EQ(score(*data, 1, "gemma-2-9b-it"), 1.0);
  EXPECT_EQ(score(*data, 1, "llama-3.1-nemotron-51b-instruct"), 0.0);
  EXPECT_EQ(score(*data, 1, "llama3-chatqa-1.5-70b"), 0.0);
  // Record 2 (F1-style fractions), keys in yet another order.
  EXPECT_DOUBLE_EQ(score(*data, 2, "mistral-7b-instruct-v0.3"), 0.6363636364);
  EXPECT_DOUBLE_EQ(score(*data, 2, "llama-3.3-nemotron-super-49b-v1"), 0.0454545455);
  EXPECT_DOUBLE_EQ(score(*data, 2, "llama3-chatqa-1.5-70b"), 0.3181818182);
  EXPECT_EQ(score(*data, 3, "llama3-chatqa-1.5-70b"), 0.0);
  EXPECT_EQ(score(*data, 3, "codegemma-7b"), 1.0);
  EXPECT_EQ(report.examples, 5u);
  EXPECT_EQ(report.unmatched_queries, 1u);  // the human_eval row has no scores
  EXPECT_EQ(report.duplicate_queries, 1u);  // "As bacterial resistance..." is listed twice
  EXPECT_EQ(report.conflicting_tasks, 1u);  // ... as mmlu, then as openbook_qa
  EXPECT_EQ(data->examples[3].task, "mmlu");
  EXPECT_EQ(report.untasked_examples, 0u);
}

TEST(ImportLLMRouter, ScoreOutOfRangeNamesRecordAndModel) {
  TempDir dir;
  auto scores = dir.write("train.json",
                          R"([{"question":"a","scores":{"gemma-2-9b-it":0.5}},
                              {"question":"b","scores":{"codegemma-7b":0,"gemma-2-9b-it":1.7}}])");
  auto queries = dir.write("q.jsonl", "");
  auto data = import_llmrouter(scores, queries);
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message,
            "train.json: record 1: scores.gemma-2-9b-it: expected a number in [0,1], got 1.7");
}

TEST(ImportLLMRouter, NonNumericScoreIsRejected) {
  TempDir dir;
  auto scores = dir.write("train.json", R"([{"question":"a","scores":{"m":"0.5"}}])");
  auto data = import_llmrouter(scores, dir.write("q.jsonl", ""));
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message,
            "train.json: record 0: scores.m: expected a number in [0,1], got \"0.5\"");
}

TEST(ImportLLMRouter, BadQueryLineNamesFileLineAndField) {
  TempDir dir;
  auto scores = dir.write("train.json", R"([{"question":"a","scores":{"m":1}}])");
  auto queries = dir.write("query_train.jsonl",
                           "{\"task_name\":\"math\",\"query\":\"a\"}\n\n{\"query\":\"b\"}\n");
  auto data = import_llmrouter(scores, queries);
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message, "query_train.jsonl: line 3: task_name: expected a string");
}

TEST(ImportLLMRouter, SyntaxErrorNamesTheLine) {
  TempDir dir;
  auto scores = dir.write("train.json", "[\n {\"question\": \"a\",\n  \"scores\": {\"m\": 1,}}\n]");
  auto data = import_llmrouter(scores, dir.write("q.jsonl", ""));
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().message.rfind("train.json: line 3: invalid JSON", 0), 0u)
      << data.error().message;
}

TEST(ImportLLMRouter, ScoredQueryWithoutTaskIsKeptAndCounted) {
  TempDir dir;
  auto scores = dir.write("train.json", R"([{"question":"a","scores":{"m":1}},
                                            {"question":"b","scores":{"m":0}}])");
  auto queries = dir.write("q.jsonl", "{\"task_name\":\"math\",\"query\":\"a\"}\n");
  ImportReport report;
  auto data = import_llmrouter(scores, queries, &report);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->examples[1].task, "");
  EXPECT_EQ(report.untasked_examples, 1u);
  EXPECT_EQ(report.unmatched_queries, 0u);
}

TEST(ReadLLMCandidates, RealPrices) {
  auto prices = read_llm_candidates(kData + "/llmrouter/llm_candidates.json");
  ASSERT_TRUE(prices) << prices.error().message;
  EXPECT_EQ(prices->size(), 14u);
  const auto& gemma = prices->at("gemma-2-9b-it");
  EXPECT_DOUBLE_EQ(gemma.input_per_million, 0.10);
  EXPECT_EQ(gemma.size, "9B");
  EXPECT_DOUBLE_EQ(blended_price(prices->at("mixtral-8x22b-instruct-v0.1")), 1.2);
}

TEST(ReadLLMCandidates, MissingPriceNamesTheModel) {
  TempDir dir;
  auto file = dir.write("llm_candidates.json", R"({"a":{"input_price":1,"output_price":2},
                                                   "b":{"input_price":1}})");
  auto prices = read_llm_candidates(file);
  ASSERT_FALSE(prices);
  EXPECT_EQ(prices.error().message,
            "llm_candidates.json: b.output_price: expected a non-negative number, got nothing");
}

}  // namespace
}  // namespace routeiq::ml
