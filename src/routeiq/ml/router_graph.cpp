// Graph router in the style of GraphRouter (Feng et al. 2024, arXiv
// 2410.03834): training queries, tasks and models are nodes of a
// heterogeneous graph (query-query similarity edges, query-task membership
// edges, query-model edges carrying the measured score), and the router
// predicts the quality of the edge between a new query and each model.
// GraphRouter learns a GNN; here one round of message passing is explicit and
// only the combination is learned, which keeps training to seconds:
//   neighbour message  m1_j = softmax-similarity mean of score_j over the
//                             query's k nearest training queries (q-q-m paths)
//   task message       m2_j = mean score_j of the tasks the query is softly
//                             assigned to by centroid similarity (q-t-m paths)
// and each model's edge logit is a learned logistic combination of all models'
// messages (model-model interactions) plus a bias. Training messages are
// computed leave-one-out so the combiner sees honest inputs. Without task
// labels the tasks are k-means clusters.
#include <boost/json.hpp>
#include <map>
#include <numeric>

#include "routeiq/ml/router_impl.hpp"

namespace routeiq::ml {
namespace {

constexpr int kNeighbours = 20;
constexpr float kNeighbourTemperature = 0.05f;
constexpr float kTaskTemperature = 0.05f;
constexpr float kL2 = 3.f;

struct TaskNodes {
  RowMatrix centroids;  // tasks x dense (unit rows)
  RowMatrix scores;     // tasks x models: mean score
};

TaskNodes build_tasks(const RowMatrix& x, const TrainingSet& set, uint64_t seed,
                      std::vector<int>& task_of) {
  std::map<std::string, int> ids;
  for (const auto& t : set.tasks)
    if (!t.empty()) ids.emplace(t, int(ids.size()));
  task_of.assign(set.size(), 0);
  TaskNodes nodes;
  if (ids.size() >= 2) {
    for (size_t i = 0; i < set.size(); ++i)
      task_of[i] = set.tasks[i].empty() ? -1 : ids[set.tasks[i]];
    nodes.centroids = RowMatrix::Zero(int64_t(ids.size()), x.cols());
  } else {
    nodes.centroids = kmeans(x, 8, seed);
    for (size_t i = 0; i < set.size(); ++i) {
      Eigen::Index best = 0;
      (nodes.centroids * x.row(int64_t(i)).transpose()).maxCoeff(&best);
      task_of[i] = int(best);
    }
    nodes.centroids.setZero();
  }
  const int64_t t = nodes.centroids.rows();
  nodes.scores = RowMatrix::Zero(t, set.scores.cols());
  Eigen::VectorXf counts = Eigen::VectorXf::Zero(t);
  for (size_t i = 0; i < set.size(); ++i) {
    if (task_of[i] < 0) continue;
    nodes.centroids.row(task_of[i]) += x.row(int64_t(i));
    nodes.scores.row(task_of[i]) += set.scores.row(int64_t(i));
    counts[task_of[i]] += 1;
  }
  for (int64_t k = 0; k < t; ++k)
    if (counts[k] > 0) nodes.scores.row(k) /= counts[k];
  normalize_rows(nodes.centroids);
  return nodes;
}

Eigen::RowVectorXf neighbour_message(const std::vector<std::pair<float, int64_t>>& nb,
                                     const RowMatrix& scores) {
  Eigen::RowVectorXf out = Eigen::RowVectorXf::Zero(scores.cols());
  if (nb.empty()) return out;
  float total = 0;
  for (const auto& [sim, row] : nb) {
    float w = std::exp((sim - nb[0].first) / kNeighbourTemperature);
    out += w * scores.row(row);
    total += w;
  }
  return out / total;
}

Eigen::RowVectorXf task_message(const Eigen::VectorXf& x, const TaskNodes& tasks) {
  Eigen::VectorXf sims = tasks.centroids * x;
  Eigen::VectorXf w = ((sims.array() - sims.maxCoeff()) / kTaskTemperature).exp();
  return (w.transpose() * tasks.scores) / w.sum();
}

// [m1 (models) | m2 (models) | 1]
Eigen::RowVectorXf edge_features(const Eigen::RowVectorXf& m1, const Eigen::RowVectorXf& m2) {
  Eigen::RowVectorXf f(m1.size() + m2.size() + 1);
  f << m1, m2, 1.f;
  return f;
}

Status train_graph(const TrainingSet& set, const Featurizer& features, const TrainOptions& options,
                   Artifact& out) {
  RowMatrix x = features.dense_rows(set.texts);
  normalize_rows(x);
  const int64_t n = x.rows(), m = set.scores.cols();
  std::vector<int> task_of;
  TaskNodes tasks = build_tasks(x, set, options.seed, task_of);
  // Leave-one-out task means: remove the query's own contribution.
  std::vector<float> task_count(size_t(tasks.scores.rows()), 0);
  for (int t : task_of)
    if (t >= 0) task_count[size_t(t)] += 1;
  RowMatrix feats(n, 2 * m + 1);
  for (int64_t i = 0; i < n; ++i) {
    Eigen::VectorXf sims = x * x.row(i).transpose();
    sims[i] = -2;  // not its own neighbour
    std::vector<std::pair<float, int64_t>> nb;
    for (int64_t r = 0; r < n; ++r) nb.emplace_back(sims[r], r);
    size_t k = std::min<size_t>(kNeighbours, size_t(std::max<int64_t>(0, n - 1)));
    std::partial_sort(nb.begin(), nb.begin() + int64_t(k), nb.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    nb.resize(k);
    TaskNodes loo = tasks;
    int t = task_of[size_t(i)];
    if (t >= 0 && task_count[size_t(t)] > 1)
      loo.scores.row(t) = (tasks.scores.row(t) * task_count[size_t(t)] - set.scores.row(i)) /
                          (task_count[size_t(t)] - 1);
    feats.row(i) =
        edge_features(neighbour_message(nb, set.scores), task_message(x.row(i).transpose(), loo));
  }
  RowMatrix combiner(m, 2 * m + 1);
  for (int64_t j = 0; j < m; ++j)
    combiner.row(j) = fit_logistic(feats, set.scores.col(j), kL2).transpose();
  out.manifest.params["neighbours"] = kNeighbours;
  out.manifest.params["tasks"] = int64_t(tasks.centroids.rows());
  out.tensors["graph.query_vectors"] = matrix_tensor(x);
  out.tensors["graph.query_scores"] = matrix_tensor(set.scores);
  out.tensors["graph.task_centroids"] = matrix_tensor(tasks.centroids);
  out.tensors["graph.task_scores"] = matrix_tensor(tasks.scores);
  out.tensors["graph.combiner"] = matrix_tensor(combiner);
  return ok_status();
}

class GraphRouter final : public FeatureRouter {
 public:
  GraphRouter(const Artifact& a, Featurizer f, const RowMatrix& vectors, RowMatrix scores,
              TaskNodes tasks, RowMatrix combiner)
      : FeatureRouter(a, std::move(f)),
        index_(vectors),
        scores_(std::move(scores)),
        tasks_(std::move(tasks)),
        combiner_(std::move(combiner)) {}

  std::vector<double> predict(std::string_view query) const override {
    Eigen::VectorXf x = unit(features_.dense(query));
    auto nb = index_.search(x, kNeighbours);
    Eigen::RowVectorXf f = edge_features(neighbour_message(nb, scores_), task_message(x, tasks_));
    Eigen::VectorXf logits = combiner_ * f.transpose();
    std::vector<double> out;
    for (int64_t j = 0; j < logits.size(); ++j) out.push_back(clamp01(sigmoid(logits[j])));
    return out;
  }

 private:
  NeighbourIndex index_;
  RowMatrix scores_;
  TaskNodes tasks_;
  RowMatrix combiner_;
};

Result<std::shared_ptr<const Router>> load_graph(const Artifact& a, Featurizer f) {
  const int64_t m = int64_t(a.manifest.models.size()), d = f.dense_size();
  auto vectors = finite_matrix(a, "graph.query_vectors", -1, d);
  if (!vectors) return vectors.take_error();
  if (vectors->rows() == 0) return artifact_error("graph: no query nodes");
  auto scores = finite_matrix(a, "graph.query_scores", vectors->rows(), m);
  auto centroids = finite_matrix(a, "graph.task_centroids", -1, d);
  if (!scores) return scores.take_error();
  if (!centroids) return centroids.take_error();
  auto task_scores = finite_matrix(a, "graph.task_scores", centroids->rows(), m);
  auto combiner = finite_matrix(a, "graph.combiner", m, 2 * m + 1);
  if (!task_scores) return task_scores.take_error();
  if (!combiner) return combiner.take_error();
  if (centroids->rows() == 0) return artifact_error("graph: no task nodes");
  return make_router<GraphRouter>(a, std::move(f), *vectors, std::move(scores.value()),
                                  TaskNodes{std::move(centroids.value()), std::move(*task_scores)},
                                  std::move(combiner.value()));
}

std::vector<std::string_view> graph_tensors(const Artifact&) {
  return {"graph.query_vectors", "graph.query_scores", "graph.task_centroids", "graph.task_scores",
          "graph.combiner"};
}

}  // namespace

const RouterSpec& graph_router_spec() {
  static const RouterSpec spec{"graph", true, true, train_graph, load_graph, graph_tensors};
  return spec;
}

}  // namespace routeiq::ml
