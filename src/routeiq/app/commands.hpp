#pragma once
// Entry points of the CLI commands; argv[0] is the command name.
namespace routeiq::app {
int run_serve(int argc, char** argv);
// import litellm-db (db_commands.cpp); the other sources go to ml::run_import.
int run_import(int argc, char** argv);
// db migrate | version: the store's schema.
int run_db(int argc, char** argv);
}  // namespace routeiq::app
