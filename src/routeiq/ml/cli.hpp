#pragma once
// Entry points of the learned-routing CLI commands; argv[0] is the command name.
namespace routeiq::ml {

// routeiq import llmrouter|routellm ...: converts published data to the canonical JSONL.
int run_import(int argc, char** argv);
// routeiq split: train/test JSONL by task, by task folds or by random fraction.
int run_split(int argc, char** argv);
// routeiq eval: a trained router's quality-cost curve and metrics on a dataset.
int run_eval(int argc, char** argv);

// routeiq train: trains a learned router (knn, svm, mlp, ...) into a model directory.
int run_train(int argc, char** argv);
// routeiq route: predicted qualities and the chosen model for one query, as JSON.
int run_route(int argc, char** argv);

}  // namespace routeiq::ml
